#include "app/cli.hpp"

int main(int argc, char** argv) {
  return tiket::app::main(argc, argv);
}
