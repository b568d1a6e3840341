/* cliOptions.c — the option table of `huginn`: global options, commands, their
 * options and positionals with types and ranges, help text and examples. */
#include "cliparse/cliOptions.h"

#include <stddef.h>
#include <stdint.h>

#include "orchestrator/jobOptions.h" /* the ranges of the sampling flags, shared with the job API */

#define GiB (1024ll * 1024 * 1024)

static const char *const logFormats[] = {"text", "json", NULL};
static const char *const policies[] = {"balanced", "locality-first", "throughput-max", NULL};
static const char *const objectives[] = {"latency", "throughput", NULL};
static const char *const quantMethods[] = {"rtn", "nf4", "fp4", "int8", "gptq", "awq", NULL};
static const char *const quantPreferences[] = {"auto", "fp16", "int8", "int4", NULL};
static const char *const perfPreferences[] = {"balanced", "latency", "throughput", NULL};

/* The inputs of a recommendation besides the machine (diagnose, models list). */
#define RECOMMEND_OPTIONS                                                                                              \
    {.name = "context",                                                                                                \
     .type = HGN_CLI_INT,                                                                                              \
     .metavar = "N",                                                                                                   \
     .min = 1,                                                                                                         \
     .max = 1048576,                                                                                                   \
     .defaultText = "4096",                                                                                            \
     .help = "context length the recommendations are sized for",                                                       \
     .configKey = "planner.contextLength"},                                                                            \
        {.name = "quant",                                                                                              \
         .type = HGN_CLI_ENUM,                                                                                         \
         .metavar = "PREC",                                                                                            \
         .choices = quantPreferences,                                                                                  \
         .defaultText = "auto",                                                                                        \
         .help = "weight precision to recommend (auto: the highest that fits)"},                                       \
    {                                                                                                                  \
        .name = "prefer", .type = HGN_CLI_ENUM, .metavar = "GOAL", .choices = perfPreferences,                         \
        .defaultText = "balanced",                                                                                     \
        .help = "rank for latency (no offload, fewer bytes per token) or throughput (room for batches)"                \
    }

/* Mutual TLS with huginnd (the job commands with a server). */
#define SERVER_TLS_OPTIONS                                                                                             \
    {.name = "cacert",                                                                                                 \
     .type = HGN_CLI_FILE,                                                                                             \
     .metavar = "FILE",                                                                                                \
     .help = "trust the CAs in this PEM file for huginnd's certificate (https:// servers)",                            \
     .missingCode = HGN_CODE_InvalidConfig,                                                                            \
     .configKey = "server.tls.caFile"},                                                                                \
        {.name = "cert",                                                                                               \
         .type = HGN_CLI_FILE,                                                                                         \
         .metavar = "FILE",                                                                                            \
         .help = "present this PEM client certificate to huginnd (mutual TLS)",                                        \
         .missingCode = HGN_CODE_InvalidConfig,                                                                        \
         .configKey = "server.tls.clientCert"},                                                                        \
    {                                                                                                                  \
        .name = "key", .type = HGN_CLI_FILE, .metavar = "FILE", .help = "PEM private key of --cert",                   \
        .missingCode = HGN_CODE_InvalidConfig, .configKey = "server.tls.clientKey"                                     \
    }

/* ---- global options (accepted before or after the command) ---- */
static const HgnCliOption globals[] = {
    {.name = "config",
     .type = HGN_CLI_FILE,
     .metavar = "FILE",
     .help = "read this configuration file on top of the system and user files",
     .missingCode = HGN_CODE_InvalidConfig},
    {.name = "profile",
     .type = HGN_CLI_ID,
     .metavar = "NAME",
     .help = "apply the configuration profile [profile.NAME] (default: $HUGINN_PROFILE)"},
    {.name = "verbose",
     .shortName = 'v',
     .type = HGN_CLI_FLAG,
     .flags = HGN_CLI_REPEAT,
     .help = "log more: one level per -v above the configured one (debug, trace)",
     .configKey = "logging.level"},
    {.name = "quiet",
     .shortName = 'q',
     .type = HGN_CLI_FLAG,
     .flags = HGN_CLI_REPEAT,
     .help = "log less: one level per -q (warn, error)",
     .configKey = "logging.level"},
    {.name = "log-format",
     .type = HGN_CLI_ENUM,
     .metavar = "FORMAT",
     .choices = logFormats,
     .help = "format of the log on stderr (json: JSON lines)",
     .configKey = "logging.format"},
    {.name = "log-file",
     .type = HGN_CLI_OUT_FILE,
     .metavar = "PATH",
     .help = "also append the log to PATH as JSON lines (rotated by size)",
     .configKey = "logging.file"},
    {.name = "json", .type = HGN_CLI_FLAG, .help = "machine output: JSON on stdout (errors too), logs on stderr"},
    {.name = "dry-run",
     .type = HGN_CLI_FLAG,
     .help = "validate every option and file, print what would be done, change nothing"},
    {.name = "no-color",
     .type = HGN_CLI_FLAG,
     .help = "no ANSI colours (also when NO_COLOR is set)",
     .configKey = "logging.color",
     .configValue = "never"},
    {.name = "local",
     .type = HGN_CLI_FLAG,
     .help = "never use the network (no Grendel server, no downloads)",
     .conflicts = "server"},
    {.name = "help", .shortName = 'h', .type = HGN_CLI_FLAG, .help = "show help for the command and exit"},
    {.name = "version", .type = HGN_CLI_FLAG, .help = "show the version and exit"},
    {0},
};

/* ---- per-command options ---- */
static const HgnCliOption diagnoseOptions[] = {
    {.name = "topology-xml",
     .type = HGN_CLI_FILE,
     .metavar = "FILE",
     .help = "read the machine topology from an hwloc XML export instead of probing this host"},
    {.name = "nvml-library",
     .type = HGN_CLI_LIBRARY,
     .metavar = "PATH",
     .help = "load NVML from this library (path or soname)",
     .defaultText = "libnvidia-ml.so.1",
     .configKey = "diagnostics.nvmlLibrary"},
    RECOMMEND_OPTIONS,
    {0},
};

static const HgnCliOption noOptions[] = {{0}};

static const HgnCliOption modelsListOptions[] = {
    {.name = "fits", .type = HGN_CLI_FLAG, .help = "only models whose recommended quantisation fits this machine"},
    {.name = "topology-xml",
     .type = HGN_CLI_FILE,
     .metavar = "FILE",
     .help = "with --fits: rate for the machine of this hwloc XML export instead of this host"},
    {.name = "nvml-library",
     .type = HGN_CLI_LIBRARY,
     .metavar = "PATH",
     .help = "with --fits: load NVML from this library (path or soname)",
     .defaultText = "libnvidia-ml.so.1",
     .configKey = "diagnostics.nvmlLibrary"},
    RECOMMEND_OPTIONS,
    {0},
};

static const HgnCliOption modelsShowOptions[] = {
    {.name = "ID",
     .type = HGN_CLI_ID,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REQUIRED,
     .metavar = "ID",
     .help = "model id from `huginn models list`"},
    {0},
};

static const HgnCliOption inspectOptions[] = {
    {.name = "MODEL",
     .type = HGN_CLI_PATH,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REQUIRED,
     .metavar = "MODEL",
     .help = "model file (GGUF, safetensors, ONNX) or safetensors folder"},
    {.name = "tensors", .type = HGN_CLI_FLAG, .help = "list every tensor (name, dtype, shape, bytes)"},
    {0},
};

static const HgnCliOption planOptions[] = {
    {.name = "MODEL",
     .type = HGN_CLI_STRING,
     .flags = HGN_CLI_POSITIONAL,
     .metavar = "MODEL",
     .help = "model file (GGUF, safetensors, ONNX), safetensors folder, or a registry id (plans from its spec)",
     .conflicts = "check"},
    {.name = "topology-xml",
     .type = HGN_CLI_FILE,
     .metavar = "FILE",
     .help = "plan for the machine described by this hwloc XML",
     .conflicts = "hardware"},
    {.name = "hardware",
     .type = HGN_CLI_FILE,
     .metavar = "FILE",
     .help = "plan for the machine described by this topology.json / hardware file"},
    {.name = "policy",
     .type = HGN_CLI_ENUM,
     .metavar = "POLICY",
     .choices = policies,
     .defaultText = "balanced",
     .help = "placement policy",
     .configKey = "planner.policy"},
    {.name = "objective",
     .type = HGN_CLI_ENUM,
     .metavar = "OBJ",
     .choices = objectives,
     .defaultText = "latency",
     .help = "what the cost model minimises",
     .configKey = "planner.objective"},
    {.name = "context",
     .type = HGN_CLI_INT,
     .metavar = "N",
     .min = 1,
     .max = 1048576,
     .help = "context length in tokens (KV cache capacity)",
     .defaultText = "4096",
     .configKey = "planner.contextLength"},
    {.name = "batch",
     .type = HGN_CLI_INT,
     .metavar = "N",
     .min = 1,
     .max = 65536,
     .defaultText = "1",
     .help = "sequences decoded together",
     .configKey = "planner.batchSize"},
    {.name = "quant-config",
     .type = HGN_CLI_FILE,
     .metavar = "FILE",
     .help = "quantisation config (TOML/JSON) to plan with"},
    {.name = "reserve",
     .type = HGN_CLI_RESERVE,
     .flags = HGN_CLI_REPEAT,
     .metavar = "DEV=SIZE",
     .min = 0,
     .max = 1024 * GiB,
     .help = "keep SIZE of device DEV free, e.g. gpu:0=2GiB (once per device)"},
    {.name = "dot",
     .type = HGN_CLI_FLAG,
     .help = "also write the plan graph as Graphviz DOT beside --out (PLAN.dot); to stdout, DOT instead of JSON"},
    {.name = "out",
     .type = HGN_CLI_OUT_FILE,
     .flags = HGN_CLI_STDIN,
     .metavar = "FILE",
     .defaultText = "stdout",
     .help = "write the plan here"},
    {.name = "check",
     .type = HGN_CLI_FILE,
     .metavar = "FILE",
     .help = "validate an existing plan (schema, budgets, digests) instead of planning"},
    {0},
};

static const HgnCliOption planDiffOptions[] = {
    {.name = "A",
     .type = HGN_CLI_FILE,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REQUIRED,
     .metavar = "A",
     .help = "first plan"},
    {.name = "B",
     .type = HGN_CLI_FILE,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REQUIRED,
     .metavar = "B",
     .help = "second plan"},
    {0},
};

static const HgnCliOption explainOptions[] = {
    {.name = "PLAN",
     .type = HGN_CLI_FILE,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REQUIRED,
     .metavar = "PLAN",
     .help = "plan.json written by `huginn plan`"},
    {.name = "topology-xml",
     .type = HGN_CLI_FILE,
     .metavar = "FILE",
     .help = "price alternatives on the machine of this hwloc XML (the one the plan was made for)",
     .conflicts = "hardware"},
    {.name = "hardware",
     .type = HGN_CLI_FILE,
     .metavar = "FILE",
     .help = "price alternatives on the machine of this hardware file (the one the plan was made for)"},
    {0},
};

static const HgnCliOption executeOptions[] = {
    {.name = "PLAN",
     .type = HGN_CLI_FILE,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REQUIRED,
     .metavar = "PLAN",
     .help = "plan.json written by `huginn plan`"},
    {.name = "prompt", .type = HGN_CLI_STRING, .metavar = "TEXT", .help = "prompt text", .conflicts = "prompt-file"},
    {.name = "prompt-file",
     .type = HGN_CLI_FILE,
     .flags = HGN_CLI_STDIN,
     .metavar = "F",
     .help = "read the prompt from F (- for stdin)"},
    {.name = "max-tokens",
     .type = HGN_CLI_INT,
     .metavar = "N",
     .min = 1,
     .max = 1048576,
     .defaultText = "256",
     .help = "tokens to generate at most"},
    {.name = "temperature",
     .type = HGN_CLI_REAL,
     .metavar = "T",
     .minReal = 0,
     .maxReal = HGN_OPT_TEMPERATURE_MAX,
     .defaultText = "0.8",
     .help = "sampling temperature (0 = greedy)"},
    {.name = "top-k",
     .type = HGN_CLI_INT,
     .metavar = "K",
     .min = 0,
     .max = HGN_OPT_TOP_K_MAX,
     .defaultText = "40",
     .help = "sample among the K most likely tokens (0 = all)"},
    {.name = "top-p",
     .type = HGN_CLI_REAL,
     .metavar = "P",
     .minReal = 0,
     .maxReal = HGN_OPT_TOP_P_MAX,
     .defaultText = "0.95",
     .help = "nucleus sampling threshold"},
    {.name = "min-p",
     .type = HGN_CLI_REAL,
     .metavar = "P",
     .minReal = 0,
     .maxReal = HGN_OPT_MIN_P_MAX,
     .defaultText = "0.05",
     .help = "drop tokens below P times the top probability"},
    {.name = "repeat-penalty",
     .type = HGN_CLI_REAL,
     .metavar = "R",
     .minReal = 0,
     .maxReal = HGN_OPT_REPEAT_PENALTY_MAX,
     .defaultText = "1.0",
     .help = "penalty on repeated tokens (1.0 = none)"},
    {.name = "seed",
     .type = HGN_CLI_INT,
     .metavar = "S",
     .min = 0,
     .max = HGN_OPT_SEED_MAX,
     .defaultText = "0",
     .help = "random seed of the sampler (same seed, same tokens)"},
    {.name = "stop",
     .type = HGN_CLI_STRING,
     .flags = HGN_CLI_REPEAT,
     .metavar = "STR",
     .help = "stop when STR is generated"},
    {.name = "ignore-eos", .type = HGN_CLI_FLAG, .help = "keep generating past end-of-generation tokens"},
    {.name = "threads",
     .type = HGN_CLI_INT,
     .metavar = "N",
     .min = 1,
     .max = 4096,
     .defaultText = "all cores",
     .help = "CPU threads",
     .configKey = "runtime.threads"},
    {.name = "inputs", .type = HGN_CLI_DIR, .metavar = "DIR", .help = "read input tensors (non-LLM models) from DIR"},
    {.name = "outputs", .type = HGN_CLI_OUT_DIR, .metavar = "DIR", .help = "write output tensors to DIR"},
    {.name = "checkpoint-every",
     .type = HGN_CLI_INT,
     .metavar = "N",
     .min = 1,
     .max = 1000000000,
     .help = "write a checkpoint every N tokens"},
    {.name = "resume",
     .type = HGN_CLI_DIR,
     .metavar = "DIR",
     .missingCode = HGN_CODE_CheckpointMissing,
     .help = "resume from the checkpoint in DIR"},
    {.name = "inject",
     .type = HGN_CLI_INJECT,
     .flags = HGN_CLI_REPEAT,
     .metavar = "SPEC",
     .help = "inject a fault KIND[:TARGET][@STEP] for testing (local runs)"},
    {.name = "server",
     .type = HGN_CLI_URL,
     .metavar = "URL",
     .help = "submit the job to huginnd or Grendel at URL",
     .configKey = "server.url"},
    SERVER_TLS_OPTIONS,
    {.name = "follow", .type = HGN_CLI_FLAG, .help = "stream the job's progress until it ends"},
    {0},
};

static const HgnCliOption quantizeOptions[] = {
    {.name = "MODEL",
     .type = HGN_CLI_PATH,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REQUIRED,
     .metavar = "MODEL",
     .help = "model to quantise"},
    {.name = "method",
     .type = HGN_CLI_ENUM,
     .flags = HGN_CLI_REQUIRED,
     .metavar = "METHOD",
     .choices = quantMethods,
     .help = "quantisation method"},
    {.name = "bits",
     .type = HGN_CLI_INT,
     .metavar = "N",
     .min = 2,
     .max = 8,
     .help = "bits per weight, as the method allows",
     .defaultText = "the method's"},
    {.name = "group-size",
     .type = HGN_CLI_INT,
     .metavar = "N",
     .min = 16,
     .max = 8192,
     .defaultText = "128",
     .help = "weights per scale (a power of two)"},
    {.name = "calibration", .type = HGN_CLI_FILE, .metavar = "FILE", .help = "calibration text (gptq and awq need it)"},
    {.name = "out",
     .type = HGN_CLI_OUT_FILE,
     .flags = HGN_CLI_REQUIRED,
     .metavar = "FILE",
     .help = "write the quantised model here"},
    {0},
};

static const HgnCliOption statusOptions[] = {
    {.name = "ID",
     .type = HGN_CLI_ID,
     .flags = HGN_CLI_POSITIONAL,
     .metavar = "ID",
     .help = "job id (default: every active job)"},
    {.name = "follow", .type = HGN_CLI_FLAG, .help = "keep printing progress until the job ends"},
    {.name = "server",
     .type = HGN_CLI_URL,
     .metavar = "URL",
     .help = "ask huginnd at URL instead of the local job store",
     .configKey = "server.url"},
    SERVER_TLS_OPTIONS,
    {0},
};

static const HgnCliOption cancelOptions[] = {
    {.name = "ID",
     .type = HGN_CLI_ID,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REQUIRED,
     .metavar = "ID",
     .help = "job id"},
    {.name = "server",
     .type = HGN_CLI_URL,
     .metavar = "URL",
     .help = "ask huginnd at URL instead of the local job store",
     .configKey = "server.url"},
    SERVER_TLS_OPTIONS,
    {0},
};

static const HgnCliOption jobsOptions[] = {
    {.name = "all", .type = HGN_CLI_FLAG, .help = "include finished, failed and cancelled jobs"},
    {.name = "server",
     .type = HGN_CLI_URL,
     .metavar = "URL",
     .help = "ask huginnd at URL instead of the local job store",
     .configKey = "server.url"},
    SERVER_TLS_OPTIONS,
    {0},
};

static const HgnCliOption configFileOptions[] = {
    {.name = "FILE",
     .type = HGN_CLI_FILE,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REQUIRED,
     .metavar = "FILE",
     .help = "TOML file"},
    {0},
};

static const HgnCliOption helpOptions[] = {
    {.name = "TOPIC",
     .type = HGN_CLI_STRING,
     .flags = HGN_CLI_POSITIONAL | HGN_CLI_REPEAT,
     .metavar = "TOPIC",
     .help = "a command (e.g. `plan`, `models list`) or `errors`"},
    {0},
};

/* ---- examples ---- */
static const char *const diagnoseExamples[] = {"huginn diagnose", "huginn diagnose --json > system.json",
                                               "huginn diagnose --topology-xml dgx2.xml --dry-run", NULL};
static const char *const modelsExamples[] = {"huginn models list --fits", "huginn models show llama-3.1-8b", NULL};
static const char *const modelsListExamples[] = {"huginn models list", "huginn models list --fits --json", NULL};
static const char *const modelsShowExamples[] = {"huginn models show llama-3.1-8b", NULL};
static const char *const inspectExamples[] = {"huginn inspect model.gguf", "huginn inspect ./mistral-7b/ --tensors",
                                              NULL};
static const char *const planExamples[] = {
    "huginn plan model.gguf --out plan.json",
    "huginn plan model.gguf --topology-xml dgx2.xml --policy locality-first --reserve gpu:0=2GiB --out plan.json",
    "huginn plan --check plan.json", "huginn plan diff old.json new.json", NULL};
static const char *const planDiffExamples[] = {"huginn plan diff old.json new.json", NULL};
static const char *const explainExamples[] = {"huginn explain plan.json", NULL};
static const char *const executeExamples[] = {
    "huginn execute plan.json --prompt 'Once upon a time' --max-tokens 64 --seed 1",
    "huginn execute plan.json --prompt-file prompt.txt --checkpoint-every 32 --outputs run/",
    "huginn execute plan.json --resume run/checkpoint", NULL};
static const char *const quantizeExamples[] = {
    "huginn quantize model.safetensors --method nf4 --out model-nf4.safetensors",
    "huginn quantize model.gguf --method gptq --bits 4 --group-size 128 --calibration wiki.txt --out q.gguf", NULL};
static const char *const statusExamples[] = {"huginn status", "huginn status job-42 --follow", NULL};
static const char *const cancelExamples[] = {"huginn cancel job-42", NULL};
static const char *const jobsExamples[] = {"huginn jobs", "huginn jobs --all --json", NULL};
static const char *const configExamples[] = {"huginn config show",
                                             "huginn config validate ~/.config/huginn/config.toml", NULL};
static const char *const configShowExamples[] = {"huginn config show", "huginn --profile gpu config show --json", NULL};
static const char *const configValidateExamples[] = {"huginn config validate my.toml", NULL};
static const char *const configParseExamples[] = {"huginn config parse my.toml | python3 -m json.tool", NULL};
static const char *const helpExamples[] = {"huginn help plan", "huginn help models list", "huginn help errors", NULL};
static const HgnCliOption calibrateOptions[] = {
    {.name = "out",
     .type = HGN_CLI_OUT_FILE,
     .flags = HGN_CLI_STDIN,
     .metavar = "FILE",
     .defaultText = "planner.calibrationFile",
     .help = "write the profile here (- for stdout)"},
    {0},
};
static const char *const calibrateExamples[] = {"huginn calibrate", "huginn calibrate --out cpu.json", NULL};
static const char *const versionExamples[] = {"huginn version", "huginn version --json", NULL};

/* ---- commands ---- */
static const HgnCliCommand commands[] = {
    {HGN_CMD_DIAGNOSE, "diagnose", "describe this machine: CPUs, memory, GPUs, topology",
     "Probes the host (or reads an hwloc XML export) and reports CPUs, memory, disks, GPUs and how they are "
     "connected.",
     diagnoseOptions, diagnoseExamples, false, false},
    {HGN_CMD_MODELS, "models", "the curated model registry", "Lists the registry's models or shows one of them.",
     noOptions, modelsExamples, true, false},
    {HGN_CMD_MODELS_LIST, "models list", "list the registry's models",
     "Lists the curated models with size, context length and recommended quantisation.", modelsListOptions,
     modelsListExamples, false, false},
    {HGN_CMD_MODELS_SHOW, "models show", "show one registry model",
     "Shows one model of the registry: architecture, sizes, quantisations and where to get it.", modelsShowOptions,
     modelsShowExamples, false, false},
    {HGN_CMD_INSPECT, "inspect", "read a model file and summarise it",
     "Reads the header of a GGUF, safetensors (file or folder with config.json) or ONNX model without loading the "
     "weights, and prints architecture, parameters, dtypes and sizes.",
     inspectOptions, inspectExamples, false, false},
    {HGN_CMD_PLAN, "plan", "build, check or compare execution plans",
     "Turns a model and a machine into a validated execution plan (plan.json): placement of every node, transfers, "
     "memory budgets per device and predicted performance. `plan --check FILE` validates an existing plan; "
     "`plan diff A B` compares two. A model file literally named `diff` must be written `./diff`.",
     planOptions, planExamples, false, false},
    {HGN_CMD_PLAN_DIFF, "plan diff", "compare two plans",
     "Shows what changed between two plans: placements, "
     "transfers, budgets, predictions.",
     planDiffOptions, planDiffExamples, false, false},
    {HGN_CMD_EXPLAIN, "explain", "explain a plan in words",
     "Explains why each part of the model was placed where it is and what it costs.", explainOptions, explainExamples,
     false, false},
    {HGN_CMD_EXECUTE, "execute", "run a plan", "Runs a plan exactly as written, locally or on a server (--server).",
     executeOptions, executeExamples, false, false},
    {HGN_CMD_QUANTIZE, "quantize", "quantise a model's weights",
     "Rewrites a model's weights with a quantisation method and writes a new model file. Bits per method: rtn 2, 3, "
     "4, 5, 6 or 8; nf4, fp4 and awq 4; int8 8 (per row, no --group-size); gptq 2, 3, 4 or 8. gptq and awq "
     "need --calibration FILE; the others take none.",
     quantizeOptions, quantizeExamples, false, false},
    {HGN_CMD_STATUS, "status", "show a job's state and progress", "Shows the state and progress of one or all jobs.",
     statusOptions, statusExamples, false, false},
    {HGN_CMD_CANCEL, "cancel", "cancel a job", "Cancels a queued or running job.", cancelOptions, cancelExamples, false,
     false},
    {HGN_CMD_JOBS, "jobs", "list jobs", "Lists active jobs (all jobs with --all).", jobsOptions, jobsExamples, false,
     false},
    {HGN_CMD_CONFIG, "config", "show, validate or parse configuration",
     "Shows the effective configuration, validates a config file or converts a TOML file to JSON.", noOptions,
     configExamples, true, false},
    {HGN_CMD_CONFIG_SHOW, "config show", "show the effective configuration",
     "Shows every configuration key with its value and where it came from (default, file, environment, flag, "
     "profile). Secrets are shown as ***.",
     noOptions, configShowExamples, false, false},
    {HGN_CMD_CONFIG_VALIDATE, "config validate", "check a configuration file",
     "Checks one TOML file as a configuration layer: syntax, known keys, types and ranges.", configFileOptions,
     configValidateExamples, false, true},
    {HGN_CMD_CONFIG_PARSE, "config parse", "convert a TOML file to JSON",
     "Parses any TOML 1.0 file and prints it as JSON on stdout.", configFileOptions, configParseExamples, false, true},
    {HGN_CMD_HELP, "help", "show help for a command, or `help errors`",
     "Shows help for a command; `huginn help errors` lists every HGN error code with its exit status.", helpOptions,
     helpExamples, false, true},
    {HGN_CMD_VERSION, "version", "show the version and git revision", "Prints the version and the git revision.",
     noOptions, versionExamples, false, true},
    {HGN_CMD_CALIBRATE, "calibrate", "measure this machine for the planner",
     "Measures this machine's f32 FLOP/s (OpenBLAS sgemm) and memory bandwidth (a triad) in a few seconds and writes "
     "a local device profile (planner.calibrationFile) that `huginn plan` uses for this host's CPU devices.",
     calibrateOptions, calibrateExamples, false, false},
    {0},
};

static const HgnCliSpec huginnSpec = {"huginn", globals, commands};

const HgnCliSpec *hgnCliHuginnSpec(void) { return &huginnSpec; }
