package steps_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

func TestHostilePlansAreRefusedNamingTheField(t *testing.T) {
	base := "name: orders\nvpc: prod-vpc\nsubnets: [a]\ntargets: {instances: [i-1]}\n"
	tags := func(n int, key, value string) string {
		var b strings.Builder
		b.WriteString("tags:\n")
		for i := range n {
			fmt.Fprintf(&b, "  %s%d: %q\n", key, i, value)
		}
		return b.String()
	}
	tests := map[string]struct {
		yaml  string
		field string
		says  string
	}{
		"a region that is a path":           {yaml: base + "region: /../../x\n", field: "region", says: "not an AWS region"},
		"a region AWS does not have":        {yaml: base + "region: mars-1\n", field: "region", says: "not an AWS region"},
		"port 0":                            {yaml: base + "loadBalancer: {port: 0}\n", field: "loadBalancer.port", says: "0 is not allowed"},
		"a fractional port":                 {yaml: base + "loadBalancer: {port: 80.5}\n", field: "loadBalancer.port", says: "80.5 is not a whole number"},
		"a port in words":                   {yaml: base + "loadBalancer: {port: eighty}\n", field: "loadBalancer.port", says: `"eighty" is not a number`},
		"a target port 0":                   {yaml: strings.Replace(base, "[i-1]}", "[i-1], port: 0}", 1), field: "targets.port", says: "0 is not allowed"},
		"a port beyond int32":               {yaml: base + "loadBalancer: {port: 99999999999}\n", field: "loadBalancer.port", says: "out of range"},
		"a rate in words":                   {yaml: base + "stage: {throttling: {rate: fast}}\n", field: "stage.throttling.rate", says: `"fast" is not a number`},
		"subnets as one text":               {yaml: strings.Replace(base, "subnets: [a]", "subnets: a", 1), field: "subnets", says: `"a" is not a list`},
		"a list where text goes":            {yaml: base + "stage: {name: [dev]}\n", field: "stage.name", says: "a list is not text"},
		"a mapping where a list item goes":  {yaml: base + "api: {methods: [{GET: 1}]}\n", field: "api.methods[0]", says: "a mapping is not text"},
		"a key set twice":                   {yaml: base + "vpc: other-vpc\n", field: "vpc", says: "set twice, on lines 2 and 5"},
		"a tag set twice":                   {yaml: base + "tags: {team: a, team: b}\n", field: "tags.team", says: "set twice"},
		"an alias":                          {yaml: base + "stage: {name: &n dev}\napi: {name: *n}\n", field: "api.name", says: "aliases"},
		"a second YAML document":            {yaml: base + "---\nname: other\n", field: "(yaml)", says: "a second one starts at line 5"},
		"50 tags, one more than AWS leaves": {yaml: base + tags(50, "k", "v"), field: "tags", says: "at most 49"},
		"80,000 tags":                       {yaml: string(hostilePlan(80_000)), field: "tags", says: "80000 entries: at most 49"},
		"a tag key longer than AWS's 128":   {yaml: base + tags(1, strings.Repeat("k", 128), "v"), field: "tags." + strings.Repeat("k", 128) + "0", says: "1 to 128"},
		"a tag value longer than AWS's 256": {yaml: base + tags(1, "k", strings.Repeat("v", 257)), field: "tags.k0", says: "up to 256"},
		"a tag with AWS's reserved prefix":  {yaml: base + tags(1, "AWS:k", "v"), field: "tags.AWS:k0", says: "reserved"},
		"a plan larger than the size limit": {yaml: base + "# " + strings.Repeat("x", steps.MaxPlanSize) + "\n", field: "(file)", says: "larger than 1024 KiB"},
		"100,000 instances":                 {yaml: strings.Replace(base, "[i-1]", "["+strings.Repeat("i-1, ", 100_000)+"i-1]", 1), field: "targets.instances", says: "100001 entries: a plan lists at most 1000"},
		"a plan that is a list":             {yaml: "- name: orders\n", field: "(plan)", says: "a list is not a mapping"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) { wantFieldError(t, tc.yaml, tc.field, tc.says) })
	}
}

func TestAPlanWith49TagsWithinAWSsLengthsIsAccepted(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: orders\nvpc: prod-vpc\nsubnets: [a]\ntargets: {instances: [i-1]}\ntags:\n")
	for i := range 49 {
		fmt.Fprintf(&b, "  %s%02d: %s\n", strings.Repeat("k", 126), i, strings.Repeat("v", 256))
	}
	if _, err := steps.ParsePlan("t", []byte(b.String())); err != nil {
		t.Fatal(err)
	}
}

func TestLoadPlanReadsNoMoreThanTheSizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file far larger than the limit: reading it whole would take seconds and 1 GiB.
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = steps.LoadPlan(path)
	var pe *steps.PlanError
	if !errors.As(err, &pe) || pe.Errors[0].Field != "(file)" || !strings.Contains(err.Error(), "is it the right file?") {
		t.Fatalf("err = %v; want the size limit named", err)
	}
}
