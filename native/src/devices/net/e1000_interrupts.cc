#include "devices/net/e1000_interrupts.h"

#include "devices/net/e1000_regs.h"

namespace vireo {

void E1000Interrupts::reset() {
  icr_ = ims_ = itr_ = 0;
  waiting_ = false;
  quiet_until_ = 0;
  clock_.arm(0);
  update();
}

void E1000Interrupts::raise(uint32_t causes) {
  icr_ |= causes & e1000::kIntValid;
  update();
}

uint32_t E1000Interrupts::read_and_clear() {
  uint32_t v = icr_;
  icr_ = 0;
  update();
  return v;
}

void E1000Interrupts::acknowledge(uint32_t bits) {
  icr_ &= ~bits;
  update();
}

void E1000Interrupts::set_mask(uint32_t bits) {
  ims_ |= bits & e1000::kIntValid;
  update();
}

void E1000Interrupts::clear_mask(uint32_t bits) {
  ims_ &= ~bits;
  update();
}

void E1000Interrupts::timer() {
  waiting_ = false;
  update();
}

void E1000Interrupts::update() {
  if (!(icr_ & ims_)) {
    if (level_) {
      level_ = false;
      irq_.set_level(false);
    }
    return;
  }
  if (level_) return;
  if (itr_) {
    uint64_t now = clock_.now_ns();
    if (now < quiet_until_) {
      if (!waiting_) {
        waiting_ = true;
        clock_.arm(quiet_until_);
      }
      return;
    }
    quiet_until_ = now + uint64_t{itr_} * 256;
  }
  level_ = true;
  ++assertions_;
  irq_.set_level(true);
}

}  // namespace vireo
