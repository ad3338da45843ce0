// yamux Session driven by fuzz input. The front of the input is the remote's byte stream, fed in fuzz-sized
// chunks to receive(); the back (FuzzedDataProvider integers) picks the config, the chunk sizes, and what
// the local application does between chunks and inside handler callbacks (consume all/half, write, FIN,
// RST, open, ping, GoAway, window changes). Properties: stream_count() never exceeds max_streams, a failed
// session stays failed with the same error, and everything the session emits is a well-formed frame stream.
#include <fuzzer/FuzzedDataProvider.h>

#include <vector>

#include "fuzz_check.hpp"
#include "protocol/yamux/session.hpp"

using namespace chiral;
using namespace chiral::yamux;

namespace {
void check_frames(BytesView out, std::uint32_t max_frame_data) {
  while (!out.empty()) {
    auto h = decode_header(out);
    FUZZ_CHECK(h);
    out = out.subspan(kHeaderSize);
    if (h->type != FrameType::data) continue;
    FUZZ_CHECK(h->length <= out.size() && h->length <= max_frame_data && h->stream_id != 0);
    out = out.subspan(h->length);
  }
}

struct App : Handler {
  FuzzedDataProvider* fdp;
  Session* s = nullptr;
  Bytes out;
  std::vector<std::uint32_t> ids;  // every stream id we heard of, for actions to pick from
  void act(std::uint32_t id) {
    static const std::uint8_t kPayload[300] = {};
    switch (fdp->ConsumeIntegralInRange<int>(0, 15)) {
      case 1: s->write(id, BytesView(kPayload, fdp->ConsumeIntegralInRange<std::size_t>(0, 300)), out); break;
      case 2: s->close_write(id); break;
      case 3: s->reset(id); break;
      case 4: s->set_receive_window(id, fdp->ConsumeIntegral<std::uint32_t>()); break;
      case 5: s->accept(id); break;
      case 6: if (auto r = s->open_stream()) ids.push_back(*r); break;
      case 7: s->ping(fdp->ConsumeIntegral<std::uint32_t>()); break;
      case 8: s->go_away(fdp->ConsumeIntegralInRange<std::uint32_t>(0, 2)); break;
      default: break;  // mostly: do nothing
    }
  }
  void on_stream_opened(std::uint32_t id) override { ids.push_back(id); act(id); }
  void on_data(std::uint32_t id, BytesView d) override {
    s->consumed(id, fdp->ConsumeBool() ? d.size() : d.size() / 2);
    act(id);
  }
  void on_remote_close(std::uint32_t id) override { act(id); }
  void on_stream_reset(std::uint32_t id) override { FUZZ_CHECK(!s->has_stream(id)); }
  void on_send_window(std::uint32_t id) override { act(id); }
  void on_go_away(std::uint32_t) override { FUZZ_CHECK(s->remote_went_away()); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  Config cfg;
  cfg.max_streams = fdp.ConsumeIntegralInRange<std::size_t>(1, 16);
  cfg.max_unacked_inbound = fdp.ConsumeIntegralInRange<std::size_t>(1, 16);
  cfg.auto_ack = fdp.ConsumeBool();
  cfg.max_frame_data = fdp.ConsumeIntegralInRange<std::uint32_t>(1, 64 * 1024);
  if (fdp.ConsumeBool()) cfg.initial_window = fdp.ConsumeIntegral<std::uint32_t>();
  App app;
  app.fdp = &fdp;
  Session s(fdp.ConsumeBool() ? Role::client : Role::server, cfg, app);
  app.s = &s;
  while (fdp.remaining_bytes() > 0) {
    const Bytes chunk = fdp.ConsumeBytes<std::uint8_t>(fdp.ConsumeIntegralInRange<std::size_t>(1, 512));
    const error_code ec = s.receive(chunk);
    if (ec) FUZZ_CHECK(s.error() == ec && s.receive(chunk) == ec);
    FUZZ_CHECK(s.stream_count() <= cfg.max_streams);
    app.act(app.ids.empty() ? 1 : app.ids[fdp.ConsumeIntegralInRange<std::size_t>(0, app.ids.size() - 1)]);
    FUZZ_CHECK(s.stream_count() <= cfg.max_streams);
    s.take_output(app.out);
    check_frames(app.out, cfg.max_frame_data);
    app.out.clear();
  }
  return 0;
}
