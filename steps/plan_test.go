package steps_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

func TestEveryExamplePlanIsValid(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) < 4 {
		t.Fatalf("examples = %v; want demo, api-key, vpc-cidr and existing-nlb", files)
	}
	for _, f := range files {
		if _, err := steps.LoadPlan(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestBadPlansNameTheFieldAndTheAcceptedValues(t *testing.T) {
	base := "name: orders\nvpc: prod-vpc\nsubnets: [a]\ntargets: {instances: [i-1]}\n"
	tests := map[string]struct {
		yaml  string
		field string
		says  string
	}{
		"an unknown key":                      {yaml: base + "vpcid: x\n", field: "vpcid", says: "unknown field (line 5); a plan takes: name, region, vpc"},
		"a name with capitals":                {yaml: strings.Replace(base, "orders", "Orders", 1), field: "name", says: "lower-case"},
		"a name too long for AWS's 32 chars":  {yaml: strings.Replace(base, "orders", "orders-service-for-payments", 1), field: "name", says: "1 to 20"},
		"no VPC":                              {yaml: strings.Replace(base, "vpc: prod-vpc\n", "", 1), field: "vpc", says: "required"},
		"an unknown method":                   {yaml: base + "api: {methods: [GET, FETCH]}\n", field: "api.methods", says: "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY"},
		"ANY beside other methods":            {yaml: base + "api: {methods: [ANY, GET]}\n", field: "api.methods", says: "ANY already covers"},
		"an unknown authorization":            {yaml: base + "api: {methods: [GET], authorization: COGNITO}\n", field: "api.authorization", says: "NONE, AWS_IAM, API_KEY"},
		"an unknown security-group mode":      {yaml: base + "securityGroups: {mode: open}\n", field: "securityGroups.mode", says: "nlb-ips, vpc-cidr"},
		"a port out of range":                 {yaml: base + "loadBalancer: {port: 70000}\n", field: "loadBalancer.port", says: "1 to 65535"},
		"a health check path without a slash": {yaml: base + "loadBalancer: {healthCheck: {path: health}}\n", field: "loadBalancer.healthCheck.path", says: "start with /"},
		"an interval AWS does not take":       {yaml: base + "loadBalancer: {healthCheck: {interval: 3}}\n", field: "loadBalancer.healthCheck.interval", says: "from 5 to 300"},
		"a logging level AWS does not have":   {yaml: base + "stage: {logging: DEBUG}\n", field: "stage.logging", says: "OFF, ERROR, INFO"},
		"throttling rate without burst":       {yaml: base + "stage: {throttling: {rate: 10}}\n", field: "stage.throttling", says: "both"},
		"a reserved tag":                      {yaml: base + "tags: {'aws:owner': me}\n", field: "tags.aws:owner", says: "reserved"},
		"our own tag":                         {yaml: base + "tags: {'vpclink:run': x}\n", field: "tags.vpclink:run", says: "set by vpclink"},
		"a mode beside an existing NLB":       {yaml: "name: o\nvpc: v\nloadBalancer: {existing: nlb}\ntargets: {instances: []}\nsecurityGroups: {mode: nlb-ips}\n", field: "targets.instances", says: "required when securityGroups.mode is set"},
		"an unknown mode, existing NLB":       {yaml: "name: o\nvpc: v\nloadBalancer: {existing: nlb}\ntargets: {instances: [i-1]}\nsecurityGroups: {mode: open}\n", field: "securityGroups.mode", says: "not one of"},
		"an existing link with a new NLB":     {yaml: base + "vpcLink: {existing: abc123}\n", field: "vpcLink.existing", says: "set loadBalancer.existing"},
		"a PRIVATE endpoint":                  {yaml: base + "api: {methods: [GET], endpointType: private}\n", field: "api.endpointType", says: "REGIONAL or EDGE"},
		"an empty file":                       {yaml: "", field: "name", says: "empty"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) { wantFieldError(t, tc.yaml, tc.field, tc.says) })
	}
}

// wantFieldError parses yaml as a plan and wants, among its errors, one on field that says
// says.
func wantFieldError(t *testing.T, yaml, field, says string) {
	t.Helper()
	_, err := steps.ParsePlan("test.yaml", []byte(yaml))
	var pe *steps.PlanError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a PlanError", err)
	}
	for _, f := range pe.Errors {
		if f.Field == field && strings.Contains(f.Message, says) {
			return
		}
	}
	msg := err.Error()
	if len(msg) > 2000 {
		msg = msg[:2000] + "…" // a hostile plan's errors can be long
	}
	t.Errorf("no error on %s saying %q in:\n%s", field, says, msg)
}

func TestDefaultsAreWhatACarefulAdminWouldPick(t *testing.T) {
	p, err := steps.ParsePlan("t", []byte("name: orders\nvpc: v\nsubnets: [a, b]\ntargets: {instances: [i-1]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.LoadBalancer.Port != 80 || p.Targets.Port != 80 || p.SecurityGroups.Mode != steps.ModeNLBIPs || p.Stage.Name != "dev" ||
		p.API.Authorization != "NONE" || p.API.EndpointType != "REGIONAL" || !reflect.DeepEqual(p.API.Methods, []string{"GET", "POST", "PATCH", "DELETE"}) {
		t.Errorf("defaults = %+v", p)
	}
}

func TestAPlanSurvivesMarshalAndParse(t *testing.T) {
	p, err := steps.LoadPlan("../examples/api-key.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := steps.ParsePlan("round trip", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(p, back) {
		t.Errorf("round trip changed the plan:\n%+v\n%+v", p, back)
	}
}

func TestResolveFindsNamesAndWarns(t *testing.T) {
	acct := newSandbox(t, "").Account()
	tests := map[string]struct {
		yaml     string
		warn     string
		errField string
	}{
		"a public subnet is allowed with a warning":    {yaml: "subnets: [prod-public-a, prod-private-b]\ntargets: {instances: [orders-api-1]}\n", warn: "is public"},
		"one AZ is allowed with a warning":             {yaml: "subnets: [prod-private-a]\ntargets: {instances: [orders-api-1]}\n", warn: "one Availability Zone"},
		"a stopped instance is allowed with a warning": {yaml: "subnets: [prod-private-a, prod-private-c]\ntargets: {instances: [orders-api-1, orders-api-3]}\n", warn: "is stopped"},
		"an instance no subnet covers is warned of":    {yaml: "subnets: [prod-private-a]\ntargets: {instances: [orders-api-1, orders-api-2]}\n", warn: "which no chosen subnet covers"},
		"no usable instance at all is an error":        {yaml: "subnets: [prod-private-a]\ntargets: {instances: [orders-api-3]}\n", errField: "targets.instances"},
		"two subnets in one AZ are an error":           {yaml: "subnets: [prod-private-a, prod-public-a]\ntargets: {instances: [orders-api-1]}\n", errField: "subnets"},
		"an unknown subnet lists the ones there are":   {yaml: "subnets: [nope]\ntargets: {instances: [orders-api-1]}\n", errField: "subnets"},
		"an instance of another VPC is not found":      {yaml: "subnets: [prod-private-a]\ntargets: {instances: [staging-web-1]}\n", errField: "targets.instances"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := steps.ParsePlan("t", []byte("name: t\nvpc: prod-vpc\n"+tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			res, err := steps.Resolve(t.Context(), acct, p)
			if tc.errField != "" {
				var pe *steps.PlanError
				if !errors.As(err, &pe) || pe.Errors[0].Field != tc.errField {
					t.Fatalf("err = %v; want one on %s", err, tc.errField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(res.Warnings, "\n"), tc.warn) {
				t.Errorf("warnings %q do not say %q", res.Warnings, tc.warn)
			}
		})
	}
}

func TestJournalsListOldestFirstAndHoldNoSecrets(t *testing.T) {
	sb, store, first := applyFresh(t, "", "../examples/api-key.yaml")
	acct := sb.Account()
	second, err := apply(t, acct, store, loadPlan(t, "../examples/vpc-cidr.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := store.List()
	if err != nil || len(list) != 2 || list[0].RunID != first.RunID || list[1].RunID != second.RunID {
		t.Fatalf("list = %v, %v", list, err)
	}
	b, err := os.ReadFile(filepath.Join(store.Dir, "runs", first.RunID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	secret := regexp.MustCompile(`"value":"([0-9a-f]{40})"`).FindStringSubmatch(sb.Snapshot())
	if secret == nil {
		t.Fatal("the account holds no API key value")
	}
	if strings.Contains(string(b), secret[1]) {
		t.Errorf("the journal holds the API key's value")
	}
	if _, err := store.Load("../etc/passwd"); !errors.Is(err, steps.ErrNoRun) {
		t.Errorf("a path as run id: %v", err)
	}
}
