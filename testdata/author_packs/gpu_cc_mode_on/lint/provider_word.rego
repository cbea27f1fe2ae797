# A block written for one claim by name: `claimgate lint` says which claims of its box it misses
# (docs/policy-authoring.md runs it).
package claimgate.claims

block contains {"id": id, "msg": "the GPU's mode is stated by the provider alone"} if {
	some f in input.facts
	f.key == "nvidia.gpu.cc_mode"
	some id in {"runtime.gpu_cc_mode_on"}
}
