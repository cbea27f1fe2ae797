# A resource policy in the interface Trustee's KBS gives its policies (written for these tests):
# `data.plugin` is the plugin the request names, `data["resource-path"]` the rest of the path
# as segments, and `input` the verified token's claims.
package policy

import rego.v1

default allow := false

allow if {
	data.plugin == "resource"
	data["resource-path"][0] == "default"
	count(input.submods) > 0
}
