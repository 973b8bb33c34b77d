#include "devices/display/svga_adapter.h"

namespace vireo {

Status DisplayAdapter::init(const SvgaConfig& config, PciResources res, PciHost& host, unsigned slot) {
  if (!res.pio || !res.mmio || !res.slots)
    return Status::Error(ErrorCode::kInvalidArgument, "display adapter needs buses and a slot mapper");
  svga_ = std::make_unique<SvgaDevice>(res);
  Status s = svga_->init(config);
  if (s.ok()) s = host.add_device(slot, svga_.get());
  if (!s.ok()) return s;
  vga_ = std::make_unique<VgaDevice>();
  s = vga_->attach(*res.pio, *res.slots);
  if (!s.ok()) return s;
  // DISPI limits: what the SVGA side allows, within the 16-bit registers.
  vbe_ = std::make_unique<BochsVbe>(svga_->vram(), svga_->vram_size(),
                                    static_cast<uint16_t>(config.max_width),
                                    static_cast<uint16_t>(config.max_height));
  s = res.pio->add(BochsVbe::kIndexPort, BochsVbe::kPortCount, vbe_.get(), "vbe-dispi");
  if (!s.ok()) return s;
  display_ = std::make_unique<Display>(*svga_, *vga_, *vbe_);
  return Status::Ok();
}

void DisplayAdapter::reset() {
  svga_->reset();
  vga_->reset();
  vbe_->reset();
}

}  // namespace vireo
