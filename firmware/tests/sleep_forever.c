/* Hart 0 sleeps in wfi with no interrupt enabled, after the others exit: nothing can ever wake it (a deadlock). */
#include "npuemu/hal.h"

int main(void) {
    if (npu_hart_id() == 0) {
        npu_csr_write(mie, 0);
        for (;;) npu_wfi();
    }
    return 0;
}
