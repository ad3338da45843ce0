// Asio aliases used across the network layer (C++20 coroutines, error codes instead of exceptions).
#pragma once
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

namespace chiral::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
template <class T = void>
using awaitable = asio::awaitable<T>;
using Clock = std::chrono::steady_clock;

// Completion token: co_await op(..., use_nothrow) yields a tuple (error_code, result...).
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace chiral::net
