#include "check.h"

int main(int argc, char** argv) {
  int passed = 0, failed = 0;
  for (const auto& c : vireo_test::cases()) {
    if (argc > 1 && std::string(argv[1]) != c.name) continue;
    int before = vireo_test::failures();
    c.fn();
    if (vireo_test::failures() == before) {
      ++passed;
    } else {
      ++failed;
      std::fprintf(stderr, "FAIL %s\n", c.name);
    }
  }
  std::printf("%s: %d passed, %d failed\n", argv[0], passed, failed);
  return failed ? 1 : 0;
}
