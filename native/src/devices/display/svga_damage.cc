#include "devices/display/svga_damage.h"

#include <algorithm>

namespace vireo {

namespace {
bool contains(const DisplayRect& outer, const DisplayRect& in) {
  return in.x >= outer.x && in.y >= outer.y && uint64_t{in.x} + in.w <= uint64_t{outer.x} + outer.w &&
         uint64_t{in.y} + in.h <= uint64_t{outer.y} + outer.h;
}
}  // namespace

bool clip_rect(uint64_t x, uint64_t y, uint64_t w, uint64_t h, uint32_t width, uint32_t height,
               DisplayRect* out) {
  if (x >= width || y >= height || w == 0 || h == 0) return false;
  uint64_t x2 = std::min<uint64_t>(x + w, width), y2 = std::min<uint64_t>(y + h, height);
  *out = {static_cast<uint32_t>(x), static_cast<uint32_t>(y), static_cast<uint32_t>(x2 - x),
          static_cast<uint32_t>(y2 - y)};
  return true;
}

void DamageRegion::add(const DisplayRect& r) {
  for (const DisplayRect& e : rects_)
    if (contains(e, r)) return;
  rects_.erase(std::remove_if(rects_.begin(), rects_.end(),
                              [&](const DisplayRect& e) { return contains(r, e); }),
               rects_.end());
  rects_.push_back(r);
  if (rects_.size() <= kMaxRects) return;
  uint32_t x1 = UINT32_MAX, y1 = UINT32_MAX, x2 = 0, y2 = 0;
  for (const DisplayRect& e : rects_) {
    x1 = std::min(x1, e.x);
    y1 = std::min(y1, e.y);
    x2 = std::max(x2, e.x + e.w);
    y2 = std::max(y2, e.y + e.h);
  }
  rects_.assign(1, DisplayRect{x1, y1, x2 - x1, y2 - y1});
}

std::vector<DisplayRect> DamageRegion::take() {
  std::vector<DisplayRect> out;
  out.swap(rects_);
  return out;
}

}  // namespace vireo
