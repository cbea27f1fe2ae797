# A Veraison policy for PSA (written for these tests, Rego v0): the executables are approved
# (2) when the boot loader's version is at least `data.min_bl_version`, else unsafe (32).
package policy

bl_version = v {
	some i
	c := input.evidence["psa-software-components"][i]
	c["measurement-type"] == "BL"
	v := c.version
}

executables = 2 {
	input.scheme == "PSA_IOT"
	semver.compare(bl_version, data.min_bl_version) >= 0
} else = 32 {
	true
}
