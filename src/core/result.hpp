// Result<T>: value or boost::system::error_code. Used on every data-plane path instead of exceptions.
#pragma once
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace chiral {

using boost::system::error_code;
template <class T>
using Result = boost::system::result<T, error_code>;

}  // namespace chiral
