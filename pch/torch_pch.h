// Precompiled header for translation units that use LibTorch. Torch's headers
// cost tens of seconds per file on 2 cores; compiling them once per target
// keeps CI well inside its budget. Only core/, trainer/ and tests use it.
#include <torch/torch.h>
#include <torch/script.h>
