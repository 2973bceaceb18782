/* Where am I in the system? Hart 0 of every chip prints its chip id, node and what each link port leads to, checks
 * that the description holds together (ids in range, the node switch only between nodes, no port linked to its own
 * chip), and exits with the number of inconsistencies found (0 when all is well). The other harts exit 0 at once.
 * Runs alone too: chip 0 of 1, no link ports. */
#include <stdio.h>

#include "npuemu/hal.h"

int main(void) {
    if (npu_hart_id() != 0) return 0;
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count();
    const uint32_t node = npu_node_id(), nodes = npu_node_count(), ports = npu_link_ports();
    int problems = 0;
    if (chip >= chips || node >= nodes) ++problems;
    printf("chip %u of %u, node %u of %u, %u link port(s):", (unsigned)chip, (unsigned)chips, (unsigned)node,
           (unsigned)nodes, (unsigned)ports);
    for (uint32_t port = 0; port < ports; ++port) {
        const uint32_t peer = npu_link_peer(port);
        if (peer == NPU_LINK_TO_SWITCH) {
            printf(" %u->switch", (unsigned)port);
            if (nodes < 2) ++problems;
        } else if (peer == NPU_LINK_UNCONNECTED) {
            printf(" %u->none", (unsigned)port);
        } else {
            printf(" %u->chip%u", (unsigned)port, (unsigned)peer);
            if (peer >= chips || peer == chip) ++problems;
        }
    }
    printf("\n");
    return problems;
}
