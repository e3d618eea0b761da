#pragma once
// Byte containers shared by every layer. SecretBytes wipes its storage (OPENSSL_cleanse)
// whenever the memory is released, including on reallocation.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sc {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
using MutableByteView = std::span<std::uint8_t>;

namespace crypto {
void cleanse(void* data, std::size_t length) noexcept;
}

template <typename T>
struct CleansingAllocator {
  using value_type = T;
  CleansingAllocator() noexcept = default;
  template <typename U>
  CleansingAllocator(const CleansingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    crypto::cleanse(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <typename U>
  bool operator==(const CleansingAllocator<U>&) const noexcept {
    return true;
  }
};

// Key material: traffic secrets, private scalars, OTP seeds. Wiped when freed.
using SecretBytes = std::vector<std::uint8_t, CleansingAllocator<std::uint8_t>>;

inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
inline Bytes to_bytes(ByteView view) { return Bytes(view.begin(), view.end()); }
inline SecretBytes to_secret(ByteView view) { return SecretBytes(view.begin(), view.end()); }

// Lower-case hexadecimal, and its inverse (throws std::invalid_argument on bad input).
std::string to_hex(ByteView bytes);
Bytes from_hex(std::string_view hex);

}  // namespace sc
