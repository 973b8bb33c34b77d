// A minimal unit-test harness for native tests (no KVM, no Node): each *_test.cc defines
// TEST(name) bodies; CHECK/CHECK_EQ record failures; main() runs them and prints
// "N passed, N failed".
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace vireo_test {

struct Case {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}
inline int& failures() {
  static int n = 0;
  return n;
}
struct Register {
  Register(const char* name, std::function<void()> fn) { cases().push_back({name, std::move(fn)}); }
};

}  // namespace vireo_test

#define TEST(name)                                                      \
  static void test_##name();                                            \
  static vireo_test::Register register_##name(#name, test_##name);      \
  static void test_##name()

#define CHECK(cond)                                                               \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++vireo_test::failures();                                                   \
    }                                                                             \
  } while (0)

#define CHECK_EQ(a, b)                                                                  \
  do {                                                                                  \
    auto va_ = (a);                                                                     \
    auto vb_ = (b);                                                                     \
    if (!(va_ == vb_)) {                                                                \
      std::fprintf(stderr, "  %s:%d: CHECK_EQ(%s, %s) failed: 0x%llx != 0x%llx\n", __FILE__, \
                   __LINE__, #a, #b, (unsigned long long)(va_), (unsigned long long)(vb_)); \
      ++vireo_test::failures();                                                         \
    }                                                                                   \
  } while (0)
