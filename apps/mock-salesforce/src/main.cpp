// mock-salesforce: wiring only (see org.hpp, query_engine.hpp).
#include <cstdio>

int main() {
    std::puts("mock-salesforce: HTTP layer not wired yet");
    return 2;
}
