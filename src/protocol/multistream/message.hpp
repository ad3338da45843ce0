// multistream-select 1.0 messages (multiformats/multistream-select, libp2p/specs connections/README.md):
// uvarint length (counting the trailing '\n') + UTF-8 text + '\n', and a bounded incremental decoder.
#pragma once
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace chiral::multistream {

inline constexpr std::string_view kProtocolId = "/multistream/1.0.0";
inline constexpr std::string_view kNa = "na";
inline constexpr std::string_view kLs = "ls";
// go and js refuse longer messages; the limit counts the text and its '\n', not the length prefix.
inline constexpr std::size_t kMaxMessageSize = 1024;

// Printable UTF-8: well-formed (no overlongs, surrogates or code points > U+10FFFF) and no C0 control
// characters or DEL.
bool is_printable_utf8(std::string_view text) noexcept;
// A name we may propose, echo or list: starts with '/', printable UTF-8, fits in one message.
bool is_valid_protocol_name(std::string_view name) noexcept;

// Appends uvarint(len(text) + 1) || text || '\n'. The caller checks the text (no size limit here so that
// an `ls` response with many entries can be built).
void append_message(Bytes& out, std::string_view text);
Bytes encode_message(std::string_view text);

// `ls` response as go-multistream and rust multistream-select write it: ONE message whose text is the
// concatenation of uvarint(len(name) + 1) || name || '\n' per protocol (the message's own '\n' ends it).
void append_ls_response(Bytes& out, std::span<const std::string> protocols);
// Parses the text of an `ls` response message (its final '\n' already stripped by the decoder).
Result<std::vector<std::string>> decode_ls_response(std::string_view text);

// Incremental decoder: feed bytes as they arrive, pop complete messages; whatever follows the messages
// the caller popped stays buffered and can be taken back with take_remainder() (lazy dialers pipeline
// protocol data right behind their proposal). A length prefix over the limit fails before its body
// arrives, so at most max_message + 2 bytes are buffered per message in progress.
class MessageDecoder {
 public:
  explicit MessageDecoder(std::size_t max_message = kMaxMessageSize) : max_message_(max_message) {}

  void feed(BytesView in);
  // Next message text without its '\n'; nullopt when more bytes are needed. The text is not validated
  // (an `ls` response carries binary length prefixes): callers check it with is_printable_utf8.
  Result<std::optional<std::string>> next();
  BytesView buffered() const noexcept { return buf_; }
  Bytes take_remainder() noexcept { return std::move(buf_); }

 private:
  std::size_t max_message_;
  Bytes buf_;
};

}  // namespace chiral::multistream
