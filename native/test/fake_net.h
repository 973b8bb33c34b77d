// FakeWire and FakeClock: the two services a NIC model needs from its backend, for unit
// tests and fuzz targets: frames sent are recorded, "full" can be forced, and time
// advances only when the test says so.
#pragma once
#include <cstdint>
#include <vector>

#include "devices/net/net_port.h"

namespace vireo_test {

struct FakeWire : vireo::FrameSink {
  std::vector<std::vector<uint8_t>> sent;
  bool full = false;
  int rx_ready_calls = 0;
  bool send_frame(const uint8_t* frame, size_t len) override {
    sent.emplace_back(frame, frame + len);
    return true;
  }
  bool can_send() const override { return !full; }
  void rx_ready() override { ++rx_ready_calls; }
};

struct FakeClock : vireo::NetClock {
  uint64_t now = 1000000;
  uint64_t armed = 0;
  uint64_t now_ns() const override { return now; }
  void arm(uint64_t deadline_ns) override { armed = deadline_ns; }
};

}  // namespace vireo_test
