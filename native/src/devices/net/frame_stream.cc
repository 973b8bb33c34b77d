#include "devices/net/frame_stream.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

namespace vireo {

namespace {
constexpr size_t kInBuffer = 256u << 10;  // at least one kMaxFrame plus its length
static_assert(kInBuffer >= FrameStream::kMaxFrame + 4, "input buffer holds a maximal frame");
}  // namespace

FrameStream::FrameStream() = default;

FrameStream::~FrameStream() {
  stop();
  for (int fd : {sock_, wake_fd_, timer_fd_})
    if (fd >= 0) close(fd);
}

Status FrameStream::init(int fd) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (wake_fd_ < 0 || timer_fd_ < 0) {
    if (fd >= 0) close(fd);
    return Status::Error(ErrorCode::kHostLimit, std::string("network I/O thread: ") + strerror(errno), errno);
  }
  if (fd >= 0) {
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    sock_ = fd;
    connected_ = true;
  }
  in_.resize(kInBuffer);
  return Status::Ok();
}

void FrameStream::start(NetPort* port) {
  port_ = port;
  if (connected_) port_->set_link(true);
  thread_ = std::thread([this] { run(); });
}

void FrameStream::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  {
    std::lock_guard guard(park_mu_);
    park_cv_.notify_all();
  }
  wake();
  thread_.join();
}

void FrameStream::pause() {
  std::unique_lock guard(park_mu_);
  if (!thread_.joinable()) return;
  pause_ = true;
  wake();
  park_cv_.wait(guard, [this] { return parked_ || stop_; });
}

void FrameStream::resume() {
  std::lock_guard guard(park_mu_);
  pause_ = false;
  park_cv_.notify_all();
}

void FrameStream::wake() {
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);
}

uint64_t FrameStream::now_ns() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

void FrameStream::arm(uint64_t deadline_ns) {
  if (timer_fd_ < 0) return;
  itimerspec its{};
  its.it_value.tv_sec = static_cast<time_t>(deadline_ns / 1000000000ull);
  its.it_value.tv_nsec = static_cast<long>(deadline_ns % 1000000000ull);
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &its, nullptr);
}

bool FrameStream::send_frame(const uint8_t* frame, size_t len) {
  std::lock_guard guard(out_mu_);
  if (!connected_ || len == 0 || len > kMaxFrame) return false;
  size_t pending = out_.size() - out_off_;
  if (pending + len + 4 > kHardLimit) {
    dropped_tx_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  uint8_t header[4] = {static_cast<uint8_t>(len >> 24), static_cast<uint8_t>(len >> 16),
                       static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
  out_.insert(out_.end(), header, header + 4);
  out_.insert(out_.end(), frame, frame + len);
  // Written at once when nothing was queued; the rest waits for POLLOUT on the I/O thread.
  if (pending == 0 && !flush_locked()) wake();
  return true;
}

bool FrameStream::can_send() const {
  std::lock_guard guard(out_mu_);
  bool ok = out_.size() - out_off_ < kSoftLimit;
  if (!ok) tx_waiting_ = true;
  return ok;
}

void FrameStream::rx_ready() {
  rx_retry_ = true;
  wake();
}

bool FrameStream::flush_locked() {
  while (sock_ >= 0 && out_off_ < out_.size()) {
    ssize_t n = send(sock_, out_.data() + out_off_, out_.size() - out_off_, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      out_off_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    out_.clear();  // the peer is gone; poll reports the hang-up
    out_off_ = 0;
    return true;
  }
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
    return true;
  }
  if (out_off_ > kResume) {
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_off_));
    out_off_ = 0;
  }
  return false;
}

void FrameStream::hang_up() {
  {
    std::lock_guard guard(out_mu_);
    if (sock_ < 0) return;
    close(sock_);
    sock_ = -1;
    connected_ = false;
    out_.clear();
    out_off_ = 0;
  }
  in_len_ = in_off_ = 0;
  rx_stalled_ = false;
  port_->set_link(false);
  port_->tx_ready();  // a transmitter waiting for room drops its frames now
}

void FrameStream::read_socket() {
  if (in_off_) {
    std::memmove(in_.data(), in_.data() + in_off_, in_len_ - in_off_);
    in_len_ -= in_off_;
    in_off_ = 0;
  }
  if (in_len_ == in_.size()) return;
  ssize_t n = read(sock_, in_.data() + in_len_, in_.size() - in_len_);
  if (n > 0) {
    in_len_ += static_cast<size_t>(n);
  } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    hang_up();
  }
}

void FrameStream::deliver() {
  while (!rx_stalled_ && sock_ >= 0 && in_len_ - in_off_ >= 4) {
    const uint8_t* p = in_.data() + in_off_;
    size_t len = size_t{p[0]} << 24 | size_t{p[1]} << 16 | size_t{p[2]} << 8 | p[3];
    if (len == 0 || len > kMaxFrame) {
      hang_up();  // the stream cannot be resynchronized
      return;
    }
    if (in_len_ - in_off_ < 4 + len) return;
    if (port_->receive(p + 4, len) == NetPort::Rx::kNoBuffers) {
      rx_stalled_ = true;
      return;
    }
    in_off_ += 4 + len;
  }
}

void FrameStream::run() {
  pthread_setname_np(pthread_self(), "net-io");
  while (!stop_) {
    {
      std::unique_lock guard(park_mu_);
      if (pause_) {
        parked_ = true;
        park_cv_.notify_all();
        park_cv_.wait(guard, [this] { return !pause_ || stop_; });
        parked_ = false;
        continue;
      }
    }
    pollfd fds[3] = {{wake_fd_, POLLIN, 0}, {timer_fd_, POLLIN, 0}, {-1, 0, 0}};
    nfds_t n = 2;
    {
      std::lock_guard guard(out_mu_);
      if (sock_ >= 0) {
        fds[2].fd = sock_;
        fds[2].events = static_cast<short>((rx_stalled_ ? 0 : POLLIN) | (out_.size() > out_off_ ? POLLOUT : 0));
        n = 3;
      }
    }
    if (poll(fds, n, -1) < 0 && errno != EINTR) break;
    uint64_t counter;
    if (fds[0].revents & POLLIN) (void)!read(wake_fd_, &counter, sizeof counter);
    if (stop_) break;
    if (fds[1].revents & POLLIN) {
      (void)!read(timer_fd_, &counter, sizeof counter);
      port_->timer();
    }
    if (rx_retry_.exchange(false) && rx_stalled_) {
      rx_stalled_ = false;
      deliver();
    }
    if (n == 3) {
      short re = fds[2].revents;
      if (re & POLLIN) {
        read_socket();
        deliver();
      } else if (re & (POLLHUP | POLLERR)) {
        hang_up();
        continue;
      }
      if (re & POLLOUT) {
        bool notify = false;
        {
          std::lock_guard guard(out_mu_);
          flush_locked();
          if (tx_waiting_ && out_.size() - out_off_ < kResume) {
            tx_waiting_ = false;
            notify = true;
          }
        }
        if (notify) port_->tx_ready();
      }
    }
  }
}

}  // namespace vireo
