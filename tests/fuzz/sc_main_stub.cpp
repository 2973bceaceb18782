// The model links SystemC, whose library wants an sc_main; the fuzz targets are entered through libFuzzer's main and
// never start SystemC (the parsers they drive need no kernel).
extern "C" int sc_main(int, char**) { return 0; }
