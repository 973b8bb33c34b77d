// FakeIrq: an IrqLine for unit tests and fuzz targets: the level the device drives, and
// how many times it went from low to high.
#pragma once
#include "core/irq.h"

namespace vireo_test {

struct FakeIrq : vireo::IrqLine {
  bool level = false;
  int raises = 0;
  void set_level(bool high) override {
    if (high && !level) ++raises;
    level = high;
  }
};

}  // namespace vireo_test
