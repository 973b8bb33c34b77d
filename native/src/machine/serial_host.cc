#include "machine/serial_host.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace vireo {

SerialHost::~SerialHost() { stop(); }

Status SerialHost::init() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
    return Status::Error(ErrorCode::kInternal, "socketpair for the serial port failed", errno);
  guest_end_ = Fd(sv[0]);
  host_end_ = Fd(sv[1]);
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) return Status::Error(ErrorCode::kInternal, "eventfd failed", errno);
  wake_fd_ = Fd(efd);
  return Status::Ok();
}

int SerialHost::take_host_fd() {
  return host_end_.release();
}

void SerialHost::start(Uart16550* uart) {
  uart_ = uart;
  stop_.store(false);
  thread_ = std::thread([this] { run(); });
}

void SerialHost::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  wake();
  thread_.join();
}

void SerialHost::wake() {
  uint64_t one = 1;
  ssize_t n = ::write(wake_fd_.get(), &one, sizeof(one));
  (void)n;
}

size_t SerialHost::write(const uint8_t* data, size_t len) {
  ssize_t n = send(guest_end_.get(), data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n < 0) {
    if (host_closed_) return len;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!want_out_.exchange(true)) wake();
      return 0;
    }
    return len;  // the reader is gone (EPIPE): discard, as a disconnected line would
  }
  if (static_cast<size_t>(n) < len && !want_out_.exchange(true)) wake();
  return static_cast<size_t>(n);
}

void SerialHost::rx_space() { wake(); }

void SerialHost::run() {
  pthread_setname_np(pthread_self(), "serial");
  uint8_t buf[256];
  while (!stop_.load()) {
    // Offer what was read earlier but did not fit.
    if (!pending_rx_.empty()) {
      size_t took = uart_->receive(pending_rx_.data(), pending_rx_.size());
      pending_rx_.erase(pending_rx_.begin(), pending_rx_.begin() + took);
    }
    pollfd fds[2] = {{wake_fd_.get(), POLLIN, 0}, {host_closed_ ? -1 : guest_end_.get(), 0, 0}};
    if (pending_rx_.empty() && !host_closed_) fds[1].events |= POLLIN;
    if (want_out_.load()) fds[1].events |= POLLOUT;
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      uint64_t v;
      ssize_t n = read(wake_fd_.get(), &v, sizeof(v));
      (void)n;
    }
    if (fds[1].revents & POLLOUT) {
      want_out_.store(false);
      uart_->tx_ready();
    }
    if (fds[1].revents & POLLIN) {
      ssize_t n = recv(guest_end_.get(), buf, sizeof(buf), MSG_DONTWAIT);
      if (n > 0) {
        size_t took = uart_->receive(buf, static_cast<size_t>(n));
        pending_rx_.assign(buf + took, buf + n);
      } else if (n == 0) {
        host_closed_ = true;  // EOF: the host end is gone; output is discarded by write()
      }
    }
    if (fds[1].revents & (POLLHUP | POLLERR)) {
      host_closed_ = true;
      want_out_.store(false);
    }
  }
}

}  // namespace vireo
