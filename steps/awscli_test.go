package steps

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops"
)

// fakeAWS stands in for the AWS CLI: it records each call's arguments (NUL-separated, one
// call a line) and prints what --query --output text would print, so that a test sees the
// ids flow from one command to the next.
const fakeAWS = `#!/bin/sh
for a in "$@"; do printf '%s\0' "$a"; done >>"$FAKE_AWS_LOG"
printf '\n' >>"$FAKE_AWS_LOG"
case "$1 $2" in
"elbv2 create-target-group") echo arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/tg/0123 ;;
"elbv2 create-load-balancer") echo arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/lb/4567 ;;
"elbv2 create-listener") echo arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/net/lb/4567/89ab ;;
"elbv2 describe-load-balancers") echo lb-4567.elb.us-east-1.amazonaws.com ;;
"elbv2 describe-listeners") echo arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/handmade/77 ;;
"elbv2 describe-target-groups") echo 8080 ;;
"ec2 describe-network-interfaces") printf '10.0.1.5\t10.0.2.6\n' ;;
"ec2 describe-vpcs") echo vpc-looked ;;
"ec2 describe-subnets") echo subnet-looked ;;
"ec2 describe-instances") case "$*" in *GroupId*) echo sg-looked ;; *) echo i-looked ;; esac ;;
"apigateway create-vpc-link") echo lnk123 ;;
"apigateway get-vpc-link") echo AVAILABLE ;;
"apigateway create-rest-api") echo api123 ;;
"apigateway get-resources") case "$*" in *proxy*) echo "$FAKE_PROXY" ;; *) echo root1 ;; esac ;;
"apigateway create-resource") echo proxy1 ;;
"apigateway get-method"|"apigateway get-integration") exit 255 ;;
"apigateway get-stage") [ -n "$FAKE_STAGE" ] || exit 255 ;;
"apigateway create-deployment") echo dep1 ;;
"apigateway create-api-key") echo key1 ;;
"apigateway create-usage-plan") echo plan1 ;;
esac
`

// runScript runs the plan's script with shell and the fake AWS CLI; it returns the calls.
func runScript(t *testing.T, shell string, lines []string, env ...string) [][]string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "aws"), []byte(fakeAWS), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "build.sh")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "calls")
	cmd := exec.Command(shell, path)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "FAKE_AWS_LOG="+log)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", shell, path, err, out)
	}
	if !strings.Contains(string(out), "Invoke URL: https://api123.execute-api.") && !strings.Contains(string(out), "Invoke URL: https://existing1.execute-api.") {
		t.Errorf("the script does not end with the invoke URL:\n%s", out)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		calls = append(calls, strings.Split(strings.TrimSuffix(line, "\x00"), "\x00"))
	}
	return calls
}

// shells are the shells the script must run in; bash always, zsh where it is installed.
func shells(t *testing.T) []string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to check the AWS CLI script")
	}
	out := []string{bash}
	if zsh, err := exec.LookPath("zsh"); err == nil {
		out = append(out, zsh)
	} else {
		t.Log("zsh is not installed: the script is checked with bash only")
	}
	return out
}

// arg returns the value after flag in a call, and whether the flag is there.
func arg(call []string, flag string) (string, bool) {
	i := slices.Index(call, flag)
	if i < 0 || i+1 >= len(call) {
		return "", i >= 0
	}
	return call[i+1], true
}

// args returns the values after flag up to the next flag.
func args(call []string, flag string) []string {
	i := slices.Index(call, flag)
	if i < 0 {
		return nil
	}
	var out []string
	for _, a := range call[i+1:] {
		if strings.HasPrefix(a, "--") {
			break
		}
		out = append(out, a)
	}
	return out
}

func called(t *testing.T, calls [][]string, op string) [][]string {
	t.Helper()
	var out [][]string
	for _, c := range calls {
		if len(c) >= 2 && c[0]+" "+c[1] == op {
			out = append(out, c)
		}
	}
	return out
}

// tricky is a plan whose values hold what a shell would otherwise expand or split.
func tricky() (*Plan, *Resolution) {
	p := &Plan{
		Name: "shop", VPC: "shop-vpc", Subnets: []string{"a", "b"},
		LoadBalancer: LoadBalancerPlan{Port: 8080, HealthCheck: HealthCheckPlan{Path: "/health?x=$HOME&y=`id`", Port: 9090}},
		Targets:      TargetsPlan{Instances: []string{"one", "two"}, Port: 8080},
		API:          APIPlan{Name: `it's "my" $(api) *`, Methods: []string{"GET", "POST"}, Authorization: AuthAPIKey},
		Stage:        StagePlan{Name: "prod", Logging: "INFO", Throttling: ThrottlingPlan{Rate: 12.5, Burst: 20}},
		Tags:         map[string]string{"cost center": `'$x' "y" ` + "`z`" + ` \ ~ !1 =a`, "=team": "{a,b} [c]*"},
	}
	p.Defaults()
	res := &Resolution{
		VPC:     awsops.VPC{ID: "vpc-1", CIDR: "10.0.0.0/16"},
		Subnets: []awsops.Subnet{{ID: "subnet-1"}, {ID: "subnet-2"}},
		Instances: []awsops.Instance{
			{ID: "i-1", SecurityGroups: []string{"sg-2", "sg-9"}},
			{ID: "i-2", SecurityGroups: []string{"sg-1"}},
			{ID: "i-3", SecurityGroups: []string{"sg-2"}},
		},
	}
	return p, res
}

func TestAWSCLIScriptRunsInBashAndZshWithTheIDsItCaptures(t *testing.T) {
	for _, shell := range shells(t) {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			p, res := tricky()
			calls := runScript(t, shell, AWSCLI(p, res, "eu-west-3"))
			for _, c := range calls {
				if r, _ := arg(c, "--region"); r != "eu-west-3" {
					t.Errorf("%s %s runs without --region eu-west-3: %q", c[0], c[1], c)
				}
			}
			tg := called(t, calls, "elbv2 create-target-group")
			if len(tg) != 1 {
				t.Fatalf("create-target-group is called %d times", len(tg))
			}
			name, _ := arg(tg[0], "--name")
			run := strings.TrimSuffix(name, "-tg")
			if !regexp.MustCompile(`^shop-[0-9a-f]{6}$`).MatchString(run) {
				t.Errorf("target group name %q is not <name>-<6 hex>-tg", name)
			}
			if path, _ := arg(tg[0], "--health-check-path"); path != p.LoadBalancer.HealthCheck.Path {
				t.Errorf("health check path arrives as %q, want %q", path, p.LoadBalancer.HealthCheck.Path)
			}
			if port, _ := arg(tg[0], "--health-check-port"); port != "9090" {
				t.Errorf("health check port %q", port)
			}
			want := map[string]string{awsops.TagRun: run, "cost center": p.Tags["cost center"], "=team": p.Tags["=team"]}
			for _, op := range []string{"elbv2 create-target-group", "elbv2 create-load-balancer", "elbv2 create-listener"} {
				var got []struct{ Key, Value string }
				tags, _ := arg(called(t, calls, op)[0], "--tags")
				if err := json.Unmarshal([]byte(tags), &got); err != nil {
					t.Fatalf("%s --tags %q: %v", op, tags, err)
				}
				m := map[string]string{}
				for _, kv := range got {
					m[kv.Key] = kv.Value
				}
				if !mapsEqual(m, want) {
					t.Errorf("%s tags = %q, want %q", op, m, want)
				}
			}
			for _, op := range []string{"apigateway create-rest-api", "apigateway create-vpc-link", "apigateway create-stage", "apigateway create-api-key", "apigateway create-usage-plan"} {
				var got map[string]string
				tags, _ := arg(called(t, calls, op)[0], "--tags")
				if err := json.Unmarshal([]byte(tags), &got); err != nil || !mapsEqual(got, want) {
					t.Errorf("%s --tags %q (%v), want %q", op, tags, err, want)
				}
			}
			if n, _ := arg(called(t, calls, "apigateway create-rest-api")[0], "--name"); n != p.API.Name {
				t.Errorf("API name arrives as %q, want %q", n, p.API.Name)
			}
			if subnets := args(called(t, calls, "elbv2 create-load-balancer")[0], "--subnets"); !slices.Equal(subnets, []string{"subnet-1", "subnet-2"}) {
				t.Errorf("subnets %q", subnets)
			}
			tgARN := "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/tg/0123"
			lbARN := "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/lb/4567"
			l := called(t, calls, "elbv2 create-listener")[0]
			if a, _ := arg(l, "--default-actions"); a != "Type=forward,TargetGroupArn="+tgARN {
				t.Errorf("listener actions %q", a)
			}
			if a, _ := arg(l, "--load-balancer-arn"); a != lbARN {
				t.Errorf("listener load balancer %q", a)
			}
			if got := args(called(t, calls, "elbv2 register-targets")[0], "--targets"); !slices.Equal(got, []string{"Id=i-1,Port=8080", "Id=i-2,Port=8080", "Id=i-3,Port=8080"}) {
				t.Errorf("targets %q", got)
			}
			if f, _ := arg(called(t, calls, "ec2 describe-network-interfaces")[0], "--filters"); f != "Name=description,Values=ELB net/lb/4567" {
				t.Errorf("network interface filter %q", f)
			}
			var rules []string
			for _, c := range called(t, calls, "ec2 authorize-security-group-ingress") {
				g, _ := arg(c, "--group-id")
				perm, _ := arg(c, "--ip-permissions")
				rules = append(rules, g+" "+perm)
				var spec []struct {
					ResourceType string
					Tags         []struct{ Key, Value string }
				}
				ts, _ := arg(c, "--tag-specifications")
				if err := json.Unmarshal([]byte(ts), &spec); err != nil || len(spec) != 1 || spec[0].ResourceType != "security-group-rule" || len(spec[0].Tags) != 3 {
					t.Errorf("rule tags %q (%v)", ts, err)
				}
			}
			var wantRules []string
			for _, g := range []string{"sg-1", "sg-2"} {
				for _, ip := range []string{"10.0.1.5", "10.0.2.6"} {
					for _, port := range []string{"8080", "9090"} {
						wantRules = append(wantRules, g+" IpProtocol=tcp,FromPort="+port+",ToPort="+port+",IpRanges=[{CidrIp="+ip+"/32,Description=vpclink "+run+"}]")
					}
				}
			}
			slices.Sort(rules)
			slices.Sort(wantRules)
			if !slices.Equal(rules, wantRules) {
				t.Errorf("ingress rules:\n%s\nwant one per group, port and NLB address:\n%s", strings.Join(rules, "\n"), strings.Join(wantRules, "\n"))
			}
			if a, _ := arg(called(t, calls, "apigateway create-vpc-link")[0], "--target-arns"); a != lbARN {
				t.Errorf("vpc link targets %q", a)
			}
			if id, _ := arg(called(t, calls, "apigateway get-vpc-link")[0], "--vpc-link-id"); id != "lnk123" {
				t.Errorf("the VPC link wait asks for %q", id)
			}
			if parent, _ := arg(called(t, calls, "apigateway create-resource")[0], "--parent-id"); parent != "root1" {
				t.Errorf("proxy parent %q", parent)
			}
			for _, c := range called(t, calls, "apigateway put-method") {
				if r, _ := arg(c, "--resource-id"); (r != "proxy1" && r != "root1") || !slices.Contains(c, "--api-key-required") {
					t.Errorf("put-method %q", c)
				}
			}
			ints := called(t, calls, "apigateway put-integration")
			if len(ints) != 4 {
				t.Fatalf("%d integrations, want GET and POST on /{proxy+} and /", len(ints))
			}
			for _, c := range ints {
				uri, _ := arg(c, "--uri")
				conn, _ := arg(c, "--connection-id")
				rid, _ := arg(c, "--resource-id")
				wantURI := map[string]string{"proxy1": awsops.ProxyIntegrationURI(ListenerPort(p)), "root1": awsops.RootIntegrationURI(ListenerPort(p))}[rid]
				if wantURI == "" || uri != wantURI || conn != awsops.IntegrationConnectionID {
					t.Errorf("integration %q", c)
				}
			}
			st := called(t, calls, "apigateway create-stage")[0]
			if v, _ := arg(st, "--variables"); v != "VPCLink=lnk123,VPCNLB=lb-4567.elb.us-east-1.amazonaws.com" {
				t.Errorf("stage variables %q", v)
			}
			if d, _ := arg(st, "--deployment-id"); d != "dep1" {
				t.Errorf("stage deployment %q", d)
			}
			if ops := args(called(t, calls, "apigateway update-stage")[0], "--patch-operations"); !slices.Equal(ops, []string{
				"op=replace,path=/*/*/logging/loglevel,value=INFO", "op=replace,path=/*/*/throttling/rateLimit,value=12.5", "op=replace,path=/*/*/throttling/burstLimit,value=20"}) {
				t.Errorf("stage settings %q", ops)
			}
			up := called(t, calls, "apigateway create-usage-plan")[0]
			if th, _ := arg(up, "--throttle"); th != "burstLimit=20,rateLimit=12.5" {
				t.Errorf("usage plan throttle %q", th)
			}
			if s, _ := arg(up, "--api-stages"); s != "apiId=api123,stage=prod" {
				t.Errorf("usage plan stages %q", s)
			}
			k := called(t, calls, "apigateway create-usage-plan-key")[0]
			if id, _ := arg(k, "--usage-plan-id"); id != "plan1" {
				t.Errorf("usage plan key plan %q", id)
			}
			if id, _ := arg(k, "--key-id"); id != "key1" {
				t.Errorf("usage plan key key %q", id)
			}
			if w := called(t, calls, "elbv2 wait"); len(w) != 2 || w[0][2] != "load-balancer-available" || w[1][2] != "target-in-service" {
				t.Errorf("waits %q", w)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestAWSCLIScriptLooksUpWhatThePlanNamesWhenNotResolved(t *testing.T) {
	p := &Plan{Name: "web", VPC: "web vpc", Subnets: []string{"subnet-1", "private, b"}, Targets: TargetsPlan{Instances: []string{"web 1"}},
		SecurityGroups: SecurityGroupsPlan{Mode: ModeVPCCIDR}}
	p.Defaults()
	for _, shell := range shells(t) {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			calls := runScript(t, shell, AWSCLI(p, nil, "us-east-1"))
			vpcs := called(t, calls, "ec2 describe-vpcs")
			if len(vpcs) != 2 {
				t.Fatalf("%d describe-vpcs calls, want the id by Name, then the CIDR", len(vpcs))
			}
			if f, _ := arg(vpcs[0], "--filters"); f != `[{"Name":"tag:Name","Values":["web vpc"]}]` {
				t.Errorf("VPC filter %q", f)
			}
			sn := called(t, calls, "ec2 describe-subnets")
			if f, _ := arg(sn[0], "--filters"); len(sn) != 1 || f != `[{"Name":"tag:Name","Values":["private, b"]},{"Name":"vpc-id","Values":["vpc-looked"]}]` {
				t.Errorf("subnet lookups %q", sn)
			}
			if got := args(called(t, calls, "elbv2 create-load-balancer")[0], "--subnets"); !slices.Equal(got, []string{"subnet-1", "subnet-looked"}) {
				t.Errorf("subnets %q", got)
			}
			ing := called(t, calls, "ec2 authorize-security-group-ingress")
			if len(ing) != 1 {
				t.Fatalf("%d ingress rules, want one", len(ing))
			}
			if g, _ := arg(ing[0], "--group-id"); g != "sg-looked" {
				t.Errorf("rule in %q", g)
			}
			if perm, _ := arg(ing[0], "--ip-permissions"); !strings.Contains(perm, "CidrIp=vpc-looked,") {
				// The fake answers every describe-vpcs query with vpc-looked, the CIDR query too.
				t.Errorf("rule %q does not carry the VPC's CIDR", perm)
			}
			if tg := called(t, calls, "elbv2 register-targets")[0]; !slices.Equal(args(tg, "--targets"), []string{"Id=i-looked,Port=80"}) {
				t.Errorf("targets %q", tg)
			}
		})
	}
}

// A plan that registers instances behind an existing load balancer: the script finds the
// target group its listener forwards to and that group's port, registers the instances
// there, and opens their groups on that port; it creates no target group.
func TestAWSCLIScriptRegistersTargetsBehindAnExistingLoadBalancer(t *testing.T) {
	p := &Plan{Name: "v2", VPC: "vpc-1", LoadBalancer: LoadBalancerPlan{Existing: "orders-nlb"}, API: APIPlan{Existing: "existing1", Methods: []string{"ANY"}},
		Targets: TargetsPlan{Instances: []string{"orders-api-1"}}, SecurityGroups: SecurityGroupsPlan{Mode: ModeNLBIPs}}
	p.Defaults()
	for _, shell := range shells(t) {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			calls := runScript(t, shell, AWSCLI(p, nil, "us-east-1"), "FAKE_STAGE=1", "FAKE_PROXY=proxy9")
			if len(called(t, calls, "elbv2 create-target-group")) > 0 {
				t.Error("the script creates a target group beside an existing load balancer")
			}
			reg := called(t, calls, "elbv2 register-targets")
			if len(reg) != 1 {
				t.Fatalf("%d register-targets calls, want 1", len(reg))
			}
			if tg, _ := arg(reg[0], "--target-group-arn"); !strings.HasSuffix(tg, "targetgroup/handmade/77") {
				t.Errorf("registers in %q, want the group the listener forwards to", tg)
			}
			if ts := args(reg[0], "--targets"); !slices.Equal(ts, []string{"Id=i-looked,Port=8080"}) {
				t.Errorf("registers %q, want the instance on the target group's port", ts)
			}
			ing := called(t, calls, "ec2 authorize-security-group-ingress")
			if len(ing) != 2 {
				t.Fatalf("%d ingress calls, want one per NLB address", len(ing))
			}
			if perm, _ := arg(ing[0], "--ip-permissions"); !strings.Contains(perm, "FromPort=8080") || !strings.Contains(perm, "CidrIp=10.0.1.5/32") {
				t.Errorf("ingress %q, want the NLB's address on port 8080", perm)
			}
		})
	}
}

func TestAWSCLIScriptReusesAnExistingLoadBalancerAPIAndStage(t *testing.T) {
	p := &Plan{Name: "v2", VPC: "vpc-1", LoadBalancer: LoadBalancerPlan{Existing: "orders-nlb"}, API: APIPlan{Existing: "existing1", Methods: []string{"ANY"}}}
	p.Defaults()
	for _, shell := range shells(t) {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			calls := runScript(t, shell, AWSCLI(p, nil, "us-east-1"), "FAKE_STAGE=1", "FAKE_PROXY=proxy9")
			for _, op := range []string{"elbv2 create-target-group", "elbv2 create-load-balancer", "ec2 authorize-security-group-ingress",
				"apigateway create-rest-api", "apigateway create-resource", "apigateway create-stage", "elbv2 wait target-in-service"} {
				if len(called(t, calls, op)) > 0 {
					t.Errorf("the script calls %s for a plan that reuses what exists", op)
				}
			}
			if n, _ := arg(called(t, calls, "elbv2 describe-load-balancers")[0], "--names"); n != "orders-nlb" {
				t.Errorf("looks the load balancer up as %q", n)
			}
			if m := called(t, calls, "apigateway put-method"); len(m) != 2 || func() string { r, _ := arg(m[0], "--resource-id"); return r }() != "proxy9" || func() string { r, _ := arg(m[1], "--resource-id"); return r }() != "root1" {
				t.Errorf("put-method %q, want ANY on the proxy resource the API has and on its root", m)
			}
			up := called(t, calls, "apigateway update-stage")
			if len(up) != 1 {
				t.Fatalf("%d update-stage calls, want the one that points the stage", len(up))
			}
			want := []string{"op=replace,path=/deploymentId,value=dep1", "op=replace,path=/variables/VPCLink,value=lnk123", "op=replace,path=/variables/VPCNLB,value=lb-4567.elb.us-east-1.amazonaws.com"}
			if ops := args(up[0], "--patch-operations"); !slices.Equal(ops, want) {
				t.Errorf("update-stage %q, want %q", ops, want)
			}
		})
	}
}

func TestAWSCLIScriptOfEveryExampleParsesInBashAndZsh(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		p, err := LoadPlan(f)
		if err != nil {
			t.Fatal(err)
		}
		trickyPlan, res := tricky()
		bare := &Resolution{VPC: awsops.VPC{ID: "vpc-1", CIDR: "10.0.0.0/16"}, Subnets: res.Subnets, Instances: []awsops.Instance{{ID: "i-1"}}}
		for name, lines := range map[string][]string{
			"unresolved":             AWSCLI(p, nil, "us-east-1"),
			"resolved":               AWSCLI(p, res, "us-east-1"),
			"with no security group": AWSCLI(p, bare, "us-east-1"),
			"tricky":                 AWSCLI(trickyPlan, nil, "us-east-1"),
		} {
			for _, shell := range shells(t) {
				path := filepath.Join(t.TempDir(), "build.sh")
				if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(shell, "-n", path).CombinedOutput(); err != nil {
					t.Errorf("%s -n on the %s script of %s: %v\n%s", filepath.Base(shell), name, f, err, out)
				}
			}
		}
	}
}
