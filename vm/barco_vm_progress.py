"""pytest plugin used in the barco VM (PYTEST_ADDOPTS="-p barco_vm_progress").

As each test starts, writes "pytest NODEID" to $BARCO_VM_CURRENT, so that
vm/run can say which test was running when the VM timed out.
"""

import os


def pytest_runtest_logstart(nodeid, location):
    path = os.environ.get("BARCO_VM_CURRENT")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"pytest {nodeid}\n")
