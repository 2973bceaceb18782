#include "model/link/link_config.h"

namespace npuemu::link {

ChipLinkConfig link_preset(LinkPreset preset) {
    ChipLinkConfig c;
    switch (preset) {
        case LinkPreset::NvLink3:
            // NVIDIA A100 Tensor Core GPU Architecture whitepaper (2020), "Third-Generation NVLink": 50 Gbit/s per
            // signal pair, four pairs per direction per link, 25 GB/s per direction per link (12 links, 600 GB/s in
            // total both ways). NVLink moves data in 16-byte flits with a 16-byte header flit; packets carry at most
            // 256 bytes. Not published, so assumed (say so when quoting results): 150 ns per hop (PHY, SerDes and
            // link controller), a 16 KiB receive buffer, 1.3 pJ/bit (short-reach SerDes of this class: above the
            // 0.54 pJ/bit of NVIDIA's on-package ground-referenced signalling, Poulton et al., "A 0.54 pJ/b 20 Gb/s
            // Ground-Referenced Single-Ended Short-Reach Serial Link in 28 nm CMOS", IEEE JSSC 48(12), 2013, since a
            // 50 Gbit/s lane drives a board trace, not an organic package).
            c.lanes = 4;
            c.lane_gbps = 50.0;
            c.encoding_efficiency = 1.0;  // the 25 GB/s figure is the data rate
            c.latency_ns = 150;
            c.max_payload_bytes = 256;
            c.header_bytes = 16;
            c.buffer_bytes = 16384;
            c.energy_pj_per_bit = 1.3;
            break;
        case LinkPreset::Ethernet400G:
            // IEEE 802.3bs 400GBASE-R: 8 lanes of 53.125 Gbit/s PAM4 (26.5625 GBd), 256b/257b transcoding and
            // RS(544,514) FEC, 400 Gbit/s of MAC data. Frames (RoCE v2): up to 4096-byte payloads (the RoCE MTU) and 82 bytes
            // of overhead each: preamble + SFD 8, inter-frame gap 12, MAC 14, FCS 4, IPv4 20, UDP 8, BTH 12, ICRC 4. Latency ~500 ns per NIC-to-NIC hop without a switch
            // (FEC and MAC/PCS; assumed), 64 KiB of receive buffer, ~5 pJ/bit for the NIC's SerDes (assumed).
            c.lanes = 8;
            c.lane_gbps = 53.125;
            c.encoding_efficiency = 400.0 / (8 * 53.125);
            c.latency_ns = 500;
            c.max_payload_bytes = 4096;
            c.header_bytes = 82;
            c.buffer_bytes = 65536;
            c.energy_pj_per_bit = 5.0;
            break;
        case LinkPreset::None:
            break;
    }
    return c;
}

const KeyTable<ChipLinkConfig>& chip_link_keys() {
    static const KeyTable<ChipLinkConfig> keys = {
        uint_key("lanes", &ChipLinkConfig::lanes, 1, 256, "lanes", "lanes per direction"),
        positive_key("lane_gbps", &ChipLinkConfig::lane_gbps, 10000, "Gbit/s", "signalling rate per lane"),
        positive_key("encoding_efficiency", &ChipLinkConfig::encoding_efficiency, 1, "",
                     "data bits per signalled bit (line code and FEC), at most 1"),
        uint_key("latency_ns", &ChipLinkConfig::latency_ns, 0, 1'000'000, "ns",
                 "a packet's head from one end to the other"),
        uint_key("max_payload_bytes", &ChipLinkConfig::max_payload_bytes, 4, 1u << 20, "bytes",
                 "largest packet payload: transfers are cut into packets"),
        uint_key("header_bytes", &ChipLinkConfig::header_bytes, 0, 4096, "bytes", "per packet, on the wire"),
        uint_key("buffer_bytes", &ChipLinkConfig::buffer_bytes, 1, 1u << 30, "bytes",
                 "the receiver's buffer (credits); at least one largest packet"),
        double_key("energy_pj_per_bit", &ChipLinkConfig::energy_pj_per_bit, 0, 1e6, "pJ/bit",
                   "energy per bit on the wire, headers included"),
    };
    return keys;
}

}  // namespace npuemu::link
