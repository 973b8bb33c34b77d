// DamageRegion: the set of screen rectangles changed since the host last copied pixels.
// Small and bounded: at most kMaxRects rectangles; one more collapses the set into its
// bounding box, so a guest that sends thousands of UPDATEs costs O(kMaxRects) each.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vireo {

struct DisplayRect {
  uint32_t x = 0, y = 0, w = 0, h = 0;
};

// Clips (x, y, w, h), all guest-controlled, to a width x height screen. Returns false
// when nothing is left.
bool clip_rect(uint64_t x, uint64_t y, uint64_t w, uint64_t h, uint32_t width, uint32_t height,
               DisplayRect* out);

class DamageRegion {
 public:
  static constexpr size_t kMaxRects = 32;
  void add(const DisplayRect& r);  // r must be non-empty
  bool empty() const { return rects_.empty(); }
  void clear() { rects_.clear(); }
  std::vector<DisplayRect> take();

 private:
  std::vector<DisplayRect> rects_;
};

}  // namespace vireo
