#include "model/system/chip_gateway.h"

#include "model/mem/memory_port.h"

namespace npuemu::system {

namespace {
constexpr uint64_t kWindow = mem::TimedMemoryPort::kChipWindowBytes;
}  // namespace

ChipGateway::ChipGateway(sc_core::sc_module_name name, uint32_t chip_count)
    : sc_module(name), target_socket("target_socket"), initiator_socket("initiator_socket"), chip_count_(chip_count) {
    target_socket.register_b_transport(this, &ChipGateway::b_transport);
    target_socket.register_get_direct_mem_ptr(this, &ChipGateway::get_direct_mem_ptr);
    target_socket.register_transport_dbg(this, &ChipGateway::transport_dbg);
    initiator_socket.register_invalidate_direct_mem_ptr(this, &ChipGateway::invalidate_direct_mem_ptr);
}

bool ChipGateway::split(uint64_t address, uint32_t& chip, uint64_t& local) const {
    chip = static_cast<uint32_t>(address / kWindow);
    local = address % kWindow;
    return chip < chip_count_;
}

void ChipGateway::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t address = trans.get_address();
    uint32_t chip = 0;
    uint64_t local = 0;
    if (!split(address, chip, local) || local + trans.get_data_length() > kWindow) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    trans.set_address(local);
    initiator_socket[chip]->b_transport(trans, delay);
    trans.set_address(address);
}

bool ChipGateway::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    const uint64_t address = trans.get_address();
    uint32_t chip = 0;
    uint64_t local = 0;
    if (!split(address, chip, local)) {
        dmi.set_start_address(address);
        dmi.set_end_address(address);
        return false;
    }
    trans.set_address(local);
    const bool granted = initiator_socket[chip]->get_direct_mem_ptr(trans, dmi);
    trans.set_address(address);
    const uint64_t base = uint64_t(chip) * kWindow;
    dmi.set_start_address(dmi.get_start_address() + base);
    dmi.set_end_address(std::min<uint64_t>(dmi.get_end_address(), kWindow - 1) + base);
    return granted;
}

unsigned ChipGateway::transport_dbg(tlm::tlm_generic_payload& trans) {
    const uint64_t address = trans.get_address();
    uint32_t chip = 0;
    uint64_t local = 0;
    if (!split(address, chip, local)) return 0;
    trans.set_address(local);
    const unsigned done = initiator_socket[chip]->transport_dbg(trans);
    trans.set_address(address);
    return done;
}

}  // namespace npuemu::system
