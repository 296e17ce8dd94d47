#include "spnscan/cli/app.hpp"

int main(int argc, char** argv) {
  return spnscan::spnscan_main(argc, argv);
}
