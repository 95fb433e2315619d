package sandbox

import (
	"strings"
	"testing"
)

// TestARoleARNKeepsAWSsLengthLimit checks the limit that sits beside the pattern rather
// than in it: 512 characters for a role's path and name.
func TestARoleARNKeepsAWSsLengthLimit(t *testing.T) {
	arn := "arn:aws:iam::123456789012:role/"
	roles := map[string]bool{
		arn + "vpclink-logs":                  true,
		arn + "service-role/logs":             true,
		arn + strings.Repeat("r", 512):        true,
		arn + strings.Repeat("r", 513):        false,
		arn:                                   false,
		"arn:aws:iam::12345:role/logs":        false,
		arn + "logs!":                         false,
		"arn:aws-cn:iam::123456789012:role/x": true,
	}
	for s, want := range roles {
		if got := roleARNOK(s); got != want {
			t.Errorf("roleARNOK(%.60q) = %v, want %v", s, got, want)
		}
	}
}
