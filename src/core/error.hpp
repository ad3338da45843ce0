// Error enums for the core module and a helper to give any module's enum a boost::system category.
#pragma once
#include <string>
#include <system_error>
#include <type_traits>

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

namespace chiral {

// A category built from a name and an enum -> message function. One static instance per enum.
template <class Enum>
class EnumCategory final : public boost::system::error_category {
 public:
  using MessageFn = const char* (*)(Enum);
  constexpr EnumCategory(const char* name, MessageFn fn) : name_(name), fn_(fn) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int ev) const override { return fn_(static_cast<Enum>(ev)); }

 private:
  const char* name_;
  MessageFn fn_;
};

enum class CoreError {
  ok = 0,
  truncated = 1,        // input ended inside a value
  varint_overflow = 2,  // uvarint longer than 9 bytes / over 2^63-1
  varint_not_minimal = 3,
  too_large = 4,        // a length exceeds the bound the caller allows
  invalid_argument = 5,
  timeout = 6,
};

const boost::system::error_category& core_category() noexcept;
inline boost::system::error_code make_error_code(CoreError e) noexcept {
  return {static_cast<int>(e), core_category()};
}

}  // namespace chiral

namespace boost::system {
template <>
struct is_error_code_enum<chiral::CoreError> : std::true_type {};
}  // namespace boost::system
