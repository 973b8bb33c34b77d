// FrameStream: the 4-byte big-endian length framing both ways over a socket pair,
// frames held back while the NIC has no buffers, the NIC's timer, and a peer that sends
// a hostile length or hangs up (link down, the thread keeps running).
#include "devices/net/frame_stream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "check.h"

using namespace vireo;

namespace {

struct Port : NetPort {
  std::mutex mu;
  std::vector<std::vector<uint8_t>> got;
  std::atomic<bool> full{false}, up{false};
  std::atomic<int> timers{0}, tx_ready_calls{0};
  Rx receive(const uint8_t* f, size_t len) override {
    if (full) return Rx::kNoBuffers;
    std::lock_guard g(mu);
    got.emplace_back(f, f + len);
    return Rx::kTaken;
  }
  void tx_ready() override { ++tx_ready_calls; }
  void timer() override { ++timers; }
  void set_link(bool on) override { up = on; }
  NicTraffic traffic() const override { return {}; }
  bool link() const override { return up; }
  size_t count() {
    std::lock_guard g(mu);
    return got.size();
  }
};

template <typename F>
bool wait_for(F cond) {
  for (int i = 0; i < 400; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

void put_frame(int fd, uint32_t len, uint8_t fill) {
  std::vector<uint8_t> b(4 + len, fill);
  b[0] = static_cast<uint8_t>(len >> 24);
  b[1] = static_cast<uint8_t>(len >> 16);
  b[2] = static_cast<uint8_t>(len >> 8);
  b[3] = static_cast<uint8_t>(len);
  CHECK_EQ(write(fd, b.data(), b.size()), static_cast<ssize_t>(b.size()));
}

}  // namespace

TEST(frames_both_ways_and_hold_back) {
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  FrameStream s;
  Port port;
  CHECK(s.init(sv[0]).ok());
  s.start(&port);
  CHECK(port.up);
  // Peer -> NIC, split writes included.
  put_frame(sv[1], 60, 0x11);
  uint8_t part[4 + 100];
  std::memset(part, 0x22, sizeof part);
  part[0] = part[1] = part[2] = 0;
  part[3] = 100;
  CHECK_EQ(write(sv[1], part, 7), 7);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_EQ(write(sv[1], part + 7, sizeof part - 7), static_cast<ssize_t>(sizeof part - 7));
  CHECK(wait_for([&] { return port.count() == 2; }));
  CHECK_EQ(port.got[1].size(), size_t{100});
  // NIC -> peer.
  uint8_t f[64];
  std::memset(f, 0x33, sizeof f);
  CHECK(s.send_frame(f, sizeof f));
  uint8_t in[68];
  CHECK_EQ(read(sv[1], in, sizeof in), 68);
  CHECK_EQ(in[3], 64);
  CHECK_EQ(in[4], 0x33);
  // No buffers: the frame waits, and comes once rx_ready() says so.
  port.full = true;
  put_frame(sv[1], 70, 0x44);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_EQ(port.count(), size_t{2});
  port.full = false;
  s.rx_ready();
  CHECK(wait_for([&] { return port.count() == 3; }));
  // The timer fires on the I/O thread.
  s.arm(s.now_ns() + 1000000);
  CHECK(wait_for([&] { return port.timers.load() == 1; }));
  // A hostile length ends the connection: link down, sends refused.
  put_frame(sv[1], 0, 0);
  CHECK(wait_for([&] { return !port.up; }));
  CHECK(!s.send_frame(f, sizeof f));
  s.stop();
  close(sv[1]);
}

TEST(peer_hang_up_takes_the_link_down) {
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  FrameStream s;
  Port port;
  CHECK(s.init(sv[0]).ok());
  s.start(&port);
  close(sv[1]);
  CHECK(wait_for([&] { return !port.up; }));
  s.pause();
  s.resume();
  s.stop();
}

TEST(unplugged_stream_runs_the_timer) {
  FrameStream s;
  Port port;
  CHECK(s.init(-1).ok());
  s.start(&port);
  CHECK(!port.up);
  uint8_t f[60]{};
  CHECK(!s.send_frame(f, sizeof f));
  s.arm(s.now_ns() + 1000000);
  CHECK(wait_for([&] { return port.timers.load() == 1; }));
  s.stop();
}
