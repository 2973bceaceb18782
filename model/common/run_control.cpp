#include "model/common/run_control.h"

#include <algorithm>

namespace npuemu {

RunControl::RunControl(unsigned hart_count) : exited_(hart_count, false), exit_codes_(hart_count, 0) {}

void RunControl::finish() {
    if (finished_) return;
    finished_ = true;
    end_time_ = sc_core::sc_time_stamp();
    on_finish_();
}

void RunControl::hart_exited(unsigned hart, uint32_t code) {
    if (finished_ || exited_[hart]) return;
    exited_[hart] = true;
    exit_codes_[hart] = code;
    if (harts_running() == 0) {
        end_reason_ = "every hart exited";
        finish();
    }
}

void RunControl::end_run(uint32_t code, const std::string& reason) {
    if (finished_) return;
    forced_code_ = code;
    end_reason_ = reason;
    finish();
}

void RunControl::fault(unsigned hart, const std::string& description) {
    if (finished_) return;
    fault_ = description;
    end_reason_ = "hart " + std::to_string(hart) + " faulted";
    forced_code_ = 1;
    finish();
}

unsigned RunControl::harts_running() const {
    return static_cast<unsigned>(std::count(exited_.begin(), exited_.end(), false));
}

int RunControl::exit_code() const {
    if (forced_code_) return static_cast<int>(*forced_code_ & 0xFF);
    for (uint32_t code : exit_codes_) if (code) return static_cast<int>(code & 0xFF);
    return 0;
}

}  // namespace npuemu
