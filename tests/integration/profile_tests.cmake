# npuemu profile (docs/profile.md): the cache (a second run computes nothing; a changed chip key or firmware image
# recomputes), the table against `npuemu run`, a model's layer shards, and bad input answered naming the field.
set(PROFILE_DATA ${CMAKE_CURRENT_SOURCE_DIR}/data/profile)
set(PROFILE_WORK ${CMAKE_CURRENT_BINARY_DIR}/profile)

add_test(NAME "profile: a second run computes nothing; a changed chip key or firmware image recomputes"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_profile.sh ${PROFILE_WORK}/cache_check ${NPUEMU} ${FW})
set_tests_properties("profile: a second run computes nothing; a changed chip key or firmware image recomputes"
  PROPERTIES TIMEOUT 180)

function(npuemu_profile_test name)
  add_test(NAME "profile: ${name}" COMMAND ${CHECK} ${ARGN})
  set_tests_properties("profile: ${name}" PROPERTIES TIMEOUT 120)
endfunction()
npuemu_profile_test("BERT-base's TP=4 layer shards at 64 tokens on the test chip" --exit 0
  --stdout-has "bert-base, TP 4, micro-batch 1 x 64 tokens on chip 'npu7-test'"
  --stdout-has "qkv" --stdout-has "mlp_down" --stdout-has "attention" --stdout-has "optimizer"
  --stdout-has "layernorm_backward" --stdout-has "mlp_down_dw" --stdout-has "attention_backward"
  --stderr-has "23 runs (23 ops x 1)" --stderr-has "2 the same as another op's"
  -- ${NPUEMU} profile --model bert-base -w model.seq_length=64 -w plan.tensor_parallel=4 -c test
     --cache ${PROFILE_WORK}/bert_cache --out ${PROFILE_WORK}/bert -j 2)
npuemu_profile_test("a TP size that does not divide the heads" --exit 125
  --stderr-has "plan.tensor_parallel=5: plan: tensor_parallel 5 does not divide the 96 attention heads"
  -- ${NPUEMU} profile --model gpt3-175b -w plan.tensor_parallel=5 -c test --cache ${PROFILE_WORK}/never)
npuemu_profile_test("a shape that does not fit the chip's memory" --exit 125
  --stderr-has "op 'qkv' (m 2048, n 4608, k 12288, bf16) does not fit the chip's memory"
  --stderr-has "global_memory.size_kib is 65536"
  -- ${NPUEMU} profile --model gpt3-175b -w plan.tensor_parallel=8 -c test --cache ${PROFILE_WORK}/never)
npuemu_profile_test("an unknown key names file, line and key" --exit 125
  --stderr-has "unknown_key.yaml:3:3: model.hiden: unknown key"
  -- ${NPUEMU} profile ${PROFILE_DATA}/unknown_key.yaml -c test --cache ${PROFILE_WORK}/never)
npuemu_profile_test("malformed YAML names file and line" --exit 125
  --stderr-has "malformed.yaml:3:"
  -- ${NPUEMU} profile ${PROFILE_DATA}/malformed.yaml -c test --cache ${PROFILE_WORK}/never)
npuemu_profile_test("an unknown chip key" --exit 125
  --stderr-has "--set npu.matrix.rowz=8: npu.matrix.rowz: unknown key"
  -- ${NPUEMU} profile --model bert-base -c test --set npu.matrix.rowz=8 --cache ${PROFILE_WORK}/never)
npuemu_profile_test("an unknown model preset lists the presets" --exit 125
  --stderr-has "no model preset 'gpt5' (presets: bert-base gpt3-175b gpt3-6.7b llama2-70b llama3-405b llama3-8b mixtral-8x7b)"
  -- ${NPUEMU} profile --model gpt5 -c test --cache ${PROFILE_WORK}/never)
npuemu_profile_test("a run that fails is named, the others cached, no table written" --exit 1
  --stderr-has "runs failed, no table written" --stderr-has "the first: exit status 124"
  --stderr-has "console.txt"
  -- ${NPUEMU} profile --model bert-base -w model.seq_length=16 -w plan.tensor_parallel=4 -c test --max-cycles 1000
     --cache ${PROFILE_WORK}/failing_cache --out ${PROFILE_WORK}/never_failing -j 2)

# The cluster model on an npuemu chip's profile (docs/cluster.md, "npuemu chips").
add_test(NAME "cluster: an npuemu chip's layer GEMMs take a profile's cycles; a missing shape names its command"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_cluster_npuemu.sh ${PROFILE_WORK}/cluster_npuemu ${NPUEMU})
set_tests_properties("cluster: an npuemu chip's layer GEMMs take a profile's cycles; a missing shape names its command"
  PROPERTIES TIMEOUT 120)
