// AutoNAT v2 and v1 protocol core (libp2p/specs autonat/autonat-v2.md, autonat-v1.md): constants,
// codecs, address selection, dial-data accounting and request limits. No I/O.
#pragma once
#include "protocol/autonat/address_filter.hpp"
#include "protocol/autonat/constants.hpp"
#include "protocol/autonat/dial_data.hpp"
#include "protocol/autonat/error.hpp"
#include "protocol/autonat/limiter.hpp"
#include "protocol/autonat/messages_v1.hpp"
#include "protocol/autonat/messages_v2.hpp"
