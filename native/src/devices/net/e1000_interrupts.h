// Interrupt cause, mask and throttling of the 8254x (manual 13.4.17-13.4.21): ICR holds
// the causes (read clears it, writing ones clears those bits), ICS sets causes, IMS/IMC
// set and clear mask bits. INTx is asserted while (ICR & IMS) != 0. With ITR non-zero the
// line is asserted at most once per ITR x 256 ns: a cause inside that window waits for
// its end (13.4.18, "Interrupt Throttling Register"), which is the only interrupt
// moderation Linux e1000 programs by default (InterruptThrottleRate). The packet timers
// RDTR/RADV/TIDV/TADV are stored, not run: causes are raised at once.
#pragma once
#include <cstdint>

#include "core/irq.h"
#include "devices/net/net_port.h"

namespace vireo {

class E1000Interrupts {
 public:
  E1000Interrupts(IrqLine& irq, NetClock& clock) : irq_(irq), clock_(clock) {}
  void reset();
  void raise(uint32_t causes);
  uint32_t read_and_clear();
  uint32_t causes() const { return icr_; }
  void acknowledge(uint32_t bits);  // ICR write
  void set_mask(uint32_t bits);     // IMS write
  void clear_mask(uint32_t bits);   // IMC write
  uint32_t mask() const { return ims_; }
  void set_itr(uint32_t value) { itr_ = value & 0xFFFF; }
  uint32_t itr() const { return itr_; }
  void timer();  // the throttling window ended
  bool line() const { return level_; }
  uint64_t assertions() const { return assertions_; }

 private:
  void update();

  IrqLine& irq_;
  NetClock& clock_;
  uint32_t icr_ = 0, ims_ = 0, itr_ = 0;
  bool level_ = false;
  bool waiting_ = false;  // the clock is armed for quiet_until_
  uint64_t quiet_until_ = 0;
  uint64_t assertions_ = 0;
};

}  // namespace vireo
