# CMake toolchain file for npuemu firmware: Debian's riscv64-unknown-elf GCC and picolibc, generating RV32IM/ilp32.
# -misa-spec=2.2 keeps Zicsr inside "rv32im" so GCC picks the rv32im/ilp32 multilib (-march=rv32im_zicsr would make
# GCC 12 fall back to the rv64 default multilib and the link fails; see shared/TOOLCHAIN.md).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)

set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_OBJDUMP riscv64-unknown-elf-objdump CACHE FILEPATH "objdump")

set(NPUEMU_ARCH_FLAGS "-misa-spec=2.2 -march=rv32im -mabi=ilp32")
# picolibc.specs is given once, in the C flags: CMake passes them to the link too.
set(CMAKE_C_FLAGS_INIT "${NPUEMU_ARCH_FLAGS} --specs=picolibc.specs -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${NPUEMU_ARCH_FLAGS} --specs=picolibc.specs")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles -Wl,--gc-sections")

set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
