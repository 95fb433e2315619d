package steps_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

// hostilePlan is a plan with n tags: far more than AWS allows, in well under the size limit.
func hostilePlan(n int) []byte {
	var b strings.Builder
	b.WriteString("name: orders\nvpc: prod-vpc\nsubnets: [a]\ntargets: {instances: [i-1]}\ntags:\n")
	for i := range n {
		fmt.Fprintf(&b, " k%d: v\n", i)
	}
	return []byte(b.String())
}

// BenchmarkParsePlanWith80kTags shows that a hostile plan is refused in linear time: parsing
// used to check a mapping's keys against each other, 80,000 tags taking most of a minute.
func BenchmarkParsePlanWith80kTags(b *testing.B) {
	plan := hostilePlan(80_000)
	b.SetBytes(int64(len(plan)))
	for b.Loop() {
		if _, err := steps.ParsePlan("hostile.yaml", plan); err == nil {
			b.Fatal("a plan with 80,000 tags was accepted")
		}
	}
}
