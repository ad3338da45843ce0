// Circuit Relay v2 protocol core (libp2p/specs relay/circuit-v2.md): constants, HOP/STOP codec, vouchers.
#pragma once
#include "protocol/relay/constants.hpp"
#include "protocol/relay/error.hpp"
#include "protocol/relay/messages.hpp"
#include "protocol/relay/voucher.hpp"
