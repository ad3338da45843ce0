// AutoNAT v2 / v1 requester and dial-back answerer (libp2p/specs autonat/autonat-v2.md, autonat-v1.md).
#include "services/autonat_client.hpp"

#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace chiral::services {

using namespace chiral::net;
namespace v1 = autonat::v1;
namespace v2 = autonat::v2;

awaitable<Result<AutonatV2Outcome>> autonat_v2_request(ConnectionPtr conn, std::vector<Bytes> addrs,
                                                       std::uint64_t nonce, AutonatV2ClientOptions opts) {
  auto opened = co_await conn->open_stream(autonat::kDialRequestProtocolId);
  if (!opened) co_return opened.error();
  StreamPtr s = *opened;
  Watchdog wd(conn->executor(), opts.timeout, [s] { s->reset(); });
  v2::DialRequest req;
  req.addrs = std::move(addrs);
  req.nonce = nonce;
  v2::Message req_msg = std::move(req);
  const Bytes out = v2::encode_message(req_msg);
  if (auto ec = co_await s->write_frame(out)) co_return ec;
  AutonatV2Outcome outcome;
  for (;;) {
    auto frame = co_await s->read_frame(autonat::kMaxMessageSize);
    if (!frame) co_return frame.error();
    auto msg = v2::decode_message(*frame);
    if (!msg) co_return msg.error();
    if (const auto* resp = std::get_if<v2::DialResponse>(&*msg)) {
      outcome.response = *resp;
      s->close_write();
      (void)co_await s->read_to_end(autonat::kMaxMessageSize);  // the server closes after its answer
      co_return outcome;
    }
    const auto* ddr = std::get_if<v2::DialDataRequest>(&*msg);
    if (!ddr || outcome.dial_data_request) {
      s->reset();
      co_return make_error_code(autonat::AutonatError::unexpected_message);
    }
    outcome.dial_data_request = *ddr;
    if (ddr->num_bytes > opts.max_dial_data) {
      s->reset();
      co_return make_error_code(CoreError::too_large);
    }
    const std::size_t chunk = std::clamp<std::size_t>(opts.chunk_size, 1, autonat::kMaxDialDataChunk);
    while (outcome.dial_data_sent < ddr->num_bytes) {
      const Bytes data = v2::encode_dial_data_chunk(chunk);
      if (auto ec = co_await s->write_frame(data)) co_return ec;
      outcome.dial_data_sent += chunk;
    }
  }
}

awaitable<Result<v1::DialResponse>> autonat_v1_request(ConnectionPtr conn, v1::PeerInfo peer, Clock::duration timeout) {
  auto opened = co_await conn->open_stream(autonat::kV1ProtocolId);
  if (!opened) co_return opened.error();
  StreamPtr s = *opened;
  Watchdog wd(conn->executor(), timeout, [s] { s->reset(); });
  v1::Message req;
  req.type = v1::MessageType::DIAL;
  v1::Dial dial;
  dial.peer = std::move(peer);
  req.dial = std::move(dial);
  const Bytes out = v1::encode(req);
  if (auto ec = co_await s->write_frame(out)) co_return ec;
  auto frame = co_await s->read_frame(autonat::kMaxMessageSize);
  if (!frame) co_return frame.error();
  auto msg = v1::decode(*frame);
  if (!msg) co_return msg.error();
  if (msg->type != v1::MessageType::DIAL_RESPONSE || !msg->dial_response) {
    s->reset();
    co_return make_error_code(autonat::AutonatError::unexpected_message);
  }
  s->close_write();
  (void)co_await s->read_to_end(autonat::kMaxMessageSize);
  co_return *msg->dial_response;
}

DialBackListener::DialBackListener(Host& host, Clock::duration timeout)
    : timeout_(timeout), alive_(std::make_shared<bool>(true)) {
  host.set_handler(std::string(autonat::kDialBackProtocolId),
                   [this](StreamPtr s) { return serve(std::move(s), alive_); });
}

DialBackListener::~DialBackListener() { *alive_ = false; }

awaitable<void> DialBackListener::serve(StreamPtr s, std::shared_ptr<bool> alive) {
  auto conn = s->connection();
  if (!conn) co_return;
  Watchdog wd(conn->executor(), timeout_, [s] { s->reset(); });
  auto frame = co_await s->read_frame(autonat::kMaxMessageSize);
  if (!frame || !*alive) co_return;
  auto msg = v2::decode_dial_back(*frame);
  if (!msg) {
    s->reset();
    co_return;
  }
  received_.emplace_back(msg->nonce, conn->remote_peer(), conn->info().local_addr(), conn->info().remote_addr());
  const Bytes out = v2::encode_dial_back_response(v2::DialBackResponse());
  if (co_await s->write_frame(out)) co_return;
  s->close_write();
  (void)co_await s->read_to_end(autonat::kMaxMessageSize);
}

}  // namespace chiral::services
