/* Never ends: only --max-cycles stops it. */
#include "npuemu/hal.h"

int main(void) {
    volatile uint32_t counter = 0;
    for (;;) counter++;
}
