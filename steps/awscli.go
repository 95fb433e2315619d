package steps

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// AWSCLI returns a script of AWS CLI commands that builds what the plan describes in region,
// one shell command a line, for people who want to see or run each call. Saved to a file, it
// runs as-is in bash or zsh: every value is quoted, every id AWS hands back is kept in a shell
// variable from the command's --query, and the first error stops it. What the resolution
// found in the account is written in; what it did not (res is nil) is looked up by the script.
func AWSCLI(p *Plan, res *Resolution, region string) []string {
	s := &script{plan: p, res: res, region: region}
	s.header()
	if newLB(p) {
		s.network()
		s.targetGroup()
		s.loadBalancer()
		s.listener()
		s.registerTargets()
	} else {
		s.existingLoadBalancer()
		if registersTargets(p) {
			s.network()
			s.adoptedTargetGroup()
			s.registerTargets()
		}
	}
	s.waitLoadBalancer()
	if opensGroups(p) {
		s.ingress()
	}
	s.vpcLink()
	s.restAPI()
	s.proxyResource()
	s.methods()
	s.deployment()
	s.stage()
	s.stageSettings()
	if p.API.Authorization == AuthAPIKey {
		s.apiKey()
	}
	if registersTargets(p) {
		s.targetHealth()
	}
	s.line("echo", s.q("Invoke URL: "+awsops.InvokeURL(ref("REST_API_ID"), region, p.Stage.Name)+"/"))
	return s.lines
}

// script collects the lines of an AWS CLI script.
type script struct {
	plan   *Plan
	res    *Resolution
	region string
	lines  []string
	// groups are the security groups that admit the NLB: literal ids, or references to
	// variables the script looks them up into.
	groups []string
}

// ref is a reference to the shell variable name inside a value that q quotes: q writes it
// as "$name". Values from plans never hold NUL bytes, so the marker cannot clash.
func ref(name string) string { return "\x00" + name + "\x00" }

var (
	refRe   = regexp.MustCompile("\x00([A-Za-z0-9_]+)\x00")
	plainRe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)
)

// q quotes one shell word for bash and zsh alike: literal text in single quotes unless it is
// plain (no glob, brace, tilde, history or expansion character, and no leading =, which zsh
// expands), references as "$NAME".
func (s *script) q(v string) string {
	var b strings.Builder
	lit := func(t string) {
		t = strings.ReplaceAll(t, "\x00", "")
		switch {
		case t == "":
		case plainRe.MatchString(t) && !strings.HasPrefix(t, "="):
			b.WriteString(t)
		default:
			b.WriteString("'" + strings.ReplaceAll(t, "'", `'\''`) + "'")
		}
	}
	last := 0
	for _, m := range refRe.FindAllStringSubmatchIndex(v, -1) {
		lit(v[last:m[0]])
		b.WriteString(`"$` + v[m[2]:m[3]] + `"`)
		last = m[1]
	}
	lit(v[last:])
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

// line adds a line of words written as they are (already quoted, or shell syntax).
func (s *script) line(words ...string) { s.lines = append(s.lines, strings.Join(words, " ")) }

// aws returns an aws command for the region: cmd is written as it is ("elbv2 wait
// load-balancer-available"), args are quoted.
func (s *script) aws(cmd string, args ...string) string {
	words := []string{"aws", cmd, "--region", s.q(s.region)}
	for _, a := range args {
		words = append(words, s.q(a))
	}
	return strings.Join(words, " ")
}

// capture adds `NAME=$(aws … --query QUERY --output text)`.
func (s *script) capture(name, query, cmd string, args ...string) {
	args = append(args, "--query", query, "--output", "text")
	s.line(name + "=$(" + s.aws(cmd, args...) + ")")
}

// set adds `NAME=value`.
func (s *script) set(name, value string) { s.line(name + "=" + s.q(value)) }

func (s *script) header() {
	s.line("# Save as a file and run it with bash or zsh: it stops at the first error, and")
	s.line("# keeps each id AWS hands back in a shell variable for the commands after it.")
	s.line("set -euo pipefail")
	s.line("export AWS_PAGER=''")
	s.line("RUN=" + s.q(s.plan.Name+"-") + `"$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"`)
	if s.res == nil {
		s.line("# The plan is not checked against the account yet: names are looked up by their Name tag.")
	}
	t := s.tags()
	if newLB(s.plan) || opensGroups(s.plan) {
		type kv struct{ Key, Value string }
		var elb []kv
		for _, k := range slices.Sorted(maps.Keys(t)) {
			elb = append(elb, kv{k, t[k]})
		}
		s.set("ELB_TAGS", jsonText(elb))
		s.set("RULE_TAGS", jsonText([]struct {
			ResourceType string
			Tags         []kv
		}{{"security-group-rule", elb}}))
	}
	s.set("API_TAGS", jsonText(t))
}

// tags are the run's tags, as steps' tags gives them to each resource.
func (s *script) tags() map[string]string {
	t := maps.Clone(s.plan.Tags)
	if t == nil {
		t = map[string]string{}
	}
	t[awsops.TagRun] = ref("RUN")
	return t
}

// jsonText is v as JSON, keeping the references ref put in its strings.
func jsonText(v any) string {
	b, _ := json.Marshal(v) // maps and structs of strings always encode
	return strings.ReplaceAll(string(b), `\u0000`, "\x00")
}

// lookup returns how the script names the id of a resource the plan names by id or Name
// tag: the id itself when it is one, else a variable it looks the id up into.
func (s *script) lookup(name, value, prefix, query, cmd string, filters ...map[string]any) string {
	if strings.HasPrefix(value, prefix) {
		return value
	}
	all := append([]map[string]any{{"Name": "tag:Name", "Values": []string{value}}}, filters...)
	s.capture(name, query, cmd, "--filters", jsonText(all))
	return ref(name)
}

// network writes the VPC, subnet and instance ids, and the security groups to open.
func (s *script) network() {
	p, res := s.plan, s.res
	if res != nil {
		s.set("VPC_ID", res.VPC.ID)
		for _, in := range res.Instances {
			if len(in.SecurityGroups) > 0 && !slices.Contains(s.groups, in.SecurityGroups[0]) {
				s.groups = append(s.groups, in.SecurityGroups[0])
			}
		}
		slices.Sort(s.groups)
		return
	}
	vpc := map[string]any{"Name": "vpc-id", "Values": []string{ref("VPC_ID")}}
	if id := s.lookup("VPC_ID", p.VPC, "vpc-", "Vpcs[0].VpcId", "ec2 describe-vpcs"); id != ref("VPC_ID") {
		s.set("VPC_ID", id)
	}
	for i, sn := range p.Subnets {
		if id := s.lookup(fmt.Sprintf("SUBNET_%d", i+1), sn, "subnet-", "Subnets[0].SubnetId", "ec2 describe-subnets", vpc); id == sn {
			s.set(fmt.Sprintf("SUBNET_%d", i+1), id)
		}
	}
	for i, in := range p.Targets.Instances {
		name := fmt.Sprintf("INSTANCE_%d", i+1)
		alive := map[string]any{"Name": "instance-state-name", "Values": []string{"pending", "running", "stopping", "stopped"}}
		if id := s.lookup(name, in, "i-", "Reservations[0].Instances[0].InstanceId", "ec2 describe-instances", vpc, alive); id == in {
			s.set(name, id)
		}
		group := fmt.Sprintf("GROUP_%d", i+1)
		s.capture(group, "Reservations[0].Instances[0].SecurityGroups[0].GroupId", "ec2 describe-instances", "--instance-ids", ref(name))
		s.groups = append(s.groups, ref(group))
	}
}

func (s *script) subnets() []string {
	if s.res != nil {
		var ids []string
		for _, sn := range s.res.Subnets {
			ids = append(ids, sn.ID)
		}
		return ids
	}
	var refs []string
	for i := range s.plan.Subnets {
		refs = append(refs, ref(fmt.Sprintf("SUBNET_%d", i+1)))
	}
	return refs
}

func (s *script) instances() []string {
	if s.res != nil {
		var ids []string
		for _, in := range s.res.Instances {
			ids = append(ids, in.ID)
		}
		return ids
	}
	var refs []string
	for i := range s.plan.Targets.Instances {
		refs = append(refs, ref(fmt.Sprintf("INSTANCE_%d", i+1)))
	}
	return refs
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func (s *script) targetGroup() {
	p := s.plan
	hc := p.LoadBalancer.HealthCheck
	hcPort := "traffic-port"
	if hc.Port != 0 {
		hcPort = itoa(hc.Port)
	}
	args := []string{"--name", ref("RUN") + "-tg", "--protocol", "TCP", "--port", itoa(p.Targets.Port), "--vpc-id", ref("VPC_ID"),
		"--target-type", "instance", "--health-check-enabled", "--health-check-protocol", "HTTP",
		"--health-check-path", hc.Path, "--health-check-port", hcPort,
		"--health-check-interval-seconds", itoa(hc.Interval),
		"--healthy-threshold-count", itoa(hc.HealthyThreshold), "--unhealthy-threshold-count", itoa(hc.UnhealthyThreshold)}
	if hc.Timeout != 0 {
		args = append(args, "--health-check-timeout-seconds", itoa(hc.Timeout))
	}
	if hc.Matcher != "" {
		args = append(args, "--matcher", "HttpCode="+hc.Matcher)
	}
	args = append(args, "--tags", ref("ELB_TAGS"))
	s.capture("TG_ARN", "TargetGroups[0].TargetGroupArn", "elbv2 create-target-group", args...)
}

func (s *script) loadBalancer() {
	args := []string{"--name", ref("RUN") + "-nlb", "--type", "network", "--scheme", "internal", "--ip-address-type", "ipv4", "--subnets"}
	args = append(args, s.subnets()...)
	args = append(args, "--tags", ref("ELB_TAGS"))
	s.capture("NLB_ARN", "LoadBalancers[0].LoadBalancerArn", "elbv2 create-load-balancer", args...)
}

func (s *script) existingLoadBalancer() {
	if s.res != nil && s.res.LoadBalancer != nil {
		s.set("NLB_ARN", s.res.LoadBalancer.ARN)
		return
	}
	by := "--names"
	if strings.HasPrefix(s.plan.LoadBalancer.Existing, "arn:") {
		by = "--load-balancer-arns"
	}
	s.capture("NLB_ARN", "LoadBalancers[0].LoadBalancerArn", "elbv2 describe-load-balancers", by, s.plan.LoadBalancer.Existing)
}

func (s *script) listener() {
	s.capture("LISTENER_ARN", "Listeners[0].ListenerArn", "elbv2 create-listener",
		"--load-balancer-arn", ref("NLB_ARN"), "--protocol", "TCP", "--port", itoa(s.plan.LoadBalancer.Port),
		"--default-actions", "Type=forward,TargetGroupArn="+ref("TG_ARN"), "--tags", ref("ELB_TAGS"))
}

func (s *script) registerTargets() {
	args := []string{"--target-group-arn", ref("TG_ARN"), "--targets"}
	for _, id := range s.instances() {
		args = append(args, "Id="+id+",Port="+s.port(s.plan.Targets.Port))
	}
	s.line(s.aws("elbv2 register-targets", args...))
}

// adoptedTargetGroup finds the target group an existing load balancer's listener on the
// plan's port forwards to, and its port when the plan names none.
func (s *script) adoptedTargetGroup() {
	s.capture("TG_ARN", fmt.Sprintf("Listeners[?Port==`%d`].DefaultActions[0].TargetGroupArn | [0]", ListenerPort(s.plan)),
		"elbv2 describe-listeners", "--load-balancer-arn", ref("NLB_ARN"))
	if s.plan.Targets.Port == 0 {
		s.capture("TG_PORT", "TargetGroups[0].Port", "elbv2 describe-target-groups", "--target-group-arns", ref("TG_ARN"))
	}
}

// port is a target port: the number, or the adopted target group's ($TG_PORT) for 0.
func (s *script) port(n int32) string {
	if n == 0 {
		return ref("TG_PORT")
	}
	return itoa(n)
}

func (s *script) waitLoadBalancer() {
	s.line(s.aws("elbv2 wait load-balancer-available", "--load-balancer-arns", ref("NLB_ARN")))
	s.capture("NLB_DNS", "LoadBalancers[0].DNSName", "elbv2 describe-load-balancers", "--load-balancer-arns", ref("NLB_ARN"))
}

// ingress adds one rule per security group, port and source; a rule a group has already is
// no error, as in the run's own step.
func (s *script) ingress() {
	p := s.plan
	if len(s.groups) == 0 {
		s.line("# None of the instances has a security group: there is no rule to add.")
		return
	}
	s.line("# allow GROUP PORT CIDR: one ingress rule; a rule the group has already is fine.")
	s.line(`allow() { if ! out=$(` + s.aws("ec2 authorize-security-group-ingress", "--group-id", ref("1"),
		"--ip-permissions", "IpProtocol=tcp,FromPort="+ref("2")+",ToPort="+ref("2")+",IpRanges=[{CidrIp="+ref("3")+",Description="+ruleDescription(ref("RUN"))+"}]",
		"--tag-specifications", ref("RULE_TAGS")) +
		` 2>&1); then case $out in *InvalidPermission.Duplicate*) echo "$1 admits $3 on port $2 already." ;; *) printf '%s\n' "$out" >&2; return 1 ;; esac; fi; }`)
	var src string
	if p.SecurityGroups.Mode == ModeVPCCIDR {
		if s.res != nil {
			s.set("VPC_CIDR", s.res.VPC.CIDR)
		} else {
			s.capture("VPC_CIDR", "Vpcs[0].CidrBlock", "ec2 describe-vpcs", "--vpc-ids", ref("VPC_ID"))
		}
		src = ref("VPC_CIDR")
	} else {
		s.line(`NLB_ID=${NLB_ARN#*:loadbalancer/}`)
		// An active NLB has its interfaces; AWS may list them a moment later.
		s.line(`for TRY in 1 2 3 4 5 6; do NLB_IPS=$(` + s.aws("ec2 describe-network-interfaces",
			"--filters", "Name=description,Values=ELB "+ref("NLB_ID"), "--query", "NetworkInterfaces[].PrivateIpAddress", "--output", "text") +
			`); [ -z "$NLB_IPS" ] || break; sleep 10; done`)
		s.line(`[ -n "$NLB_IPS" ] || { echo "AWS lists no network interface for $NLB_ID: set securityGroups.mode to ` + ModeVPCCIDR + `, or add the rules by hand." >&2; exit 1; }`)
		src = ref("NLB_IP") + "/32"
	}
	var allow []string
	for _, g := range s.groups {
		for _, port := range IngressPorts(p) {
			allow = append(allow, "allow "+s.q(g)+" "+s.q(s.port(port))+" "+s.q(src))
		}
	}
	if p.SecurityGroups.Mode == ModeVPCCIDR {
		for _, a := range allow {
			s.line(a)
		}
		return
	}
	s.line(`for NLB_IP in $(echo "$NLB_IPS"); do ` + strings.Join(allow, "; ") + "; done")
}

func (s *script) vpcLink() {
	switch {
	case s.res != nil && s.res.VPCLink != nil:
		s.set("VPC_LINK_ID", s.res.VPCLink.ID)
		return
	case s.res == nil && s.plan.VPCLink.Existing != "":
		s.set("VPC_LINK_ID", s.plan.VPCLink.Existing)
		return
	}
	s.capture("VPC_LINK_ID", "id", "apigateway create-vpc-link", "--name", linkName(ref("RUN")),
		"--description", "Created by vpclink", "--target-arns", ref("NLB_ARN"), "--tags", ref("API_TAGS"))
	s.line("# A VPC link has no waiter: ask until it is AVAILABLE (this takes minutes).")
	s.line(`while :; do VPC_LINK_STATUS=$(` + s.aws("apigateway get-vpc-link", "--vpc-link-id", ref("VPC_LINK_ID"), "--query", "status", "--output", "text") + `); ` +
		`case $VPC_LINK_STATUS in AVAILABLE) break ;; FAILED) ` + s.aws("apigateway get-vpc-link", "--vpc-link-id", ref("VPC_LINK_ID"), "--query", "statusMessage", "--output", "text") + ` >&2; exit 1 ;; esac; ` +
		`echo "VPC link $VPC_LINK_ID is $VPC_LINK_STATUS"; sleep 15; done`)
}

func (s *script) restAPI() {
	p := s.plan
	if p.API.Existing != "" {
		s.set("REST_API_ID", p.API.Existing)
	} else {
		s.capture("REST_API_ID", "id", "apigateway create-rest-api", "--name", apiName(p),
			"--endpoint-configuration", "types="+p.API.EndpointType, "--tags", ref("API_TAGS"))
	}
	s.capture("ROOT_ID", "items[?path==`/`].id", "apigateway get-resources", "--rest-api-id", ref("REST_API_ID"))
}

func (s *script) proxyResource() {
	create := "$(" + s.aws("apigateway create-resource", "--rest-api-id", ref("REST_API_ID"), "--parent-id", ref("ROOT_ID"),
		"--path-part", "{proxy+}", "--query", "id", "--output", "text") + ")"
	if s.plan.API.Existing == "" {
		s.line("PROXY_ID=" + create)
		return
	}
	s.capture("PROXY_ID", "items[?path==`/{proxy+}`].id", "apigateway get-resources", "--rest-api-id", ref("REST_API_ID"))
	s.line(`[ -n "$PROXY_ID" ] || PROXY_ID=` + create)
}

func (s *script) methods() {
	p := s.plan
	auth, key := authorization(p)
	port := ListenerPort(p)
	// /{proxy+} passes the path on; the root / gets the same methods, so that the invoke URL
	// itself answers.
	resources := []struct {
		id, uri string
		proxy   bool
	}{{"PROXY_ID", awsops.ProxyIntegrationURI(port), true}, {"ROOT_ID", awsops.RootIntegrationURI(port), false}}
	for _, r := range resources {
		for _, m := range p.API.Methods {
			put := []string{"--rest-api-id", ref("REST_API_ID"), "--resource-id", ref(r.id), "--http-method", m,
				"--authorization-type", auth}
			if key {
				put = append(put, "--api-key-required")
			}
			integrate := []string{"--rest-api-id", ref("REST_API_ID"), "--resource-id", ref(r.id),
				"--http-method", m, "--type", "HTTP_PROXY", "--integration-http-method", m,
				"--connection-type", "VPC_LINK", "--connection-id", awsops.IntegrationConnectionID, "--uri", r.uri}
			if r.proxy {
				put = append(put, "--request-parameters", "method.request.path.proxy=true")
				integrate = append(integrate, "--request-parameters", `{"integration.request.path.proxy":"method.request.path.proxy"}`)
			}
			integrate = append(integrate, "--passthrough-behavior", "WHEN_NO_MATCH", "--timeout-in-millis", "29000")
			integration := s.aws("apigateway put-integration", integrate...)
			if p.API.Existing == "" {
				s.line(s.aws("apigateway put-method", put...))
				s.line(integration)
				continue
			}
			// An API that was there may have the method already: add only what it lacks.
			get := []string{"--rest-api-id", ref("REST_API_ID"), "--resource-id", ref(r.id), "--http-method", m}
			s.line(s.aws("apigateway get-method", get...) + " >/dev/null 2>&1 || " + s.aws("apigateway put-method", put...))
			s.line(s.aws("apigateway get-integration", get...) + " >/dev/null 2>&1 || " + integration)
		}
	}
}

func (s *script) deployment() {
	s.capture("DEPLOYMENT_ID", "id", "apigateway create-deployment", "--rest-api-id", ref("REST_API_ID"),
		"--description", "Deployed by vpclink")
}

func (s *script) stage() {
	p := s.plan
	create := s.aws("apigateway create-stage", "--rest-api-id", ref("REST_API_ID"), "--stage-name", p.Stage.Name,
		"--deployment-id", ref("DEPLOYMENT_ID"), "--description", "Created by vpclink",
		"--variables", awsops.StageVarLink+"="+ref("VPC_LINK_ID")+","+awsops.StageVarNLB+"="+ref("NLB_DNS"),
		"--tags", ref("API_TAGS"))
	if p.API.Existing == "" {
		s.line(create)
		return
	}
	// A stage that exists already is pointed at the new deployment, keeping its other settings.
	update := s.aws("apigateway update-stage", "--rest-api-id", ref("REST_API_ID"), "--stage-name", p.Stage.Name,
		"--patch-operations", "op=replace,path=/deploymentId,value="+ref("DEPLOYMENT_ID"),
		"op=replace,path=/variables/"+awsops.StageVarLink+",value="+ref("VPC_LINK_ID"),
		"op=replace,path=/variables/"+awsops.StageVarNLB+",value="+ref("NLB_DNS"))
	s.line("if " + s.aws("apigateway get-stage", "--rest-api-id", ref("REST_API_ID"), "--stage-name", p.Stage.Name) +
		" >/dev/null 2>&1; then " + update + "; else " + create + "; fi")
}

func (s *script) stageSettings() {
	p := s.plan
	settings := awsops.StageSettings{LoggingLevel: p.Stage.Logging, RateLimit: p.Stage.Throttling.Rate, BurstLimit: p.Stage.Throttling.Burst}
	ops := settings.PatchOperations()
	if len(ops) == 0 {
		return
	}
	args := []string{"--rest-api-id", ref("REST_API_ID"), "--stage-name", p.Stage.Name, "--patch-operations"}
	for _, op := range ops {
		args = append(args, "op=replace,path="+*op.Path+",value="+*op.Value)
	}
	s.line(s.aws("apigateway update-stage", args...))
}

func (s *script) apiKey() {
	p := s.plan
	s.capture("API_KEY_ID", "id", "apigateway create-api-key", "--name", keyName(ref("RUN")),
		"--description", "Created by vpclink", "--enabled", "--tags", ref("API_TAGS"))
	args := []string{"--name", keyName(ref("RUN")), "--api-stages", "apiId=" + ref("REST_API_ID") + ",stage=" + p.Stage.Name}
	if th := p.Stage.Throttling; th.Rate > 0 {
		args = append(args, "--throttle", "burstLimit="+itoa(th.Burst)+",rateLimit="+strconv.FormatFloat(th.Rate, 'f', -1, 64))
	}
	args = append(args, "--tags", ref("API_TAGS"))
	s.capture("USAGE_PLAN_ID", "id", "apigateway create-usage-plan", args...)
	s.line(s.aws("apigateway create-usage-plan-key", "--usage-plan-id", ref("USAGE_PLAN_ID"), "--key-id", ref("API_KEY_ID"), "--key-type", "API_KEY"))
	s.line("# Callers send the key's value in the x-api-key header; to read it:")
	s.line("# " + s.aws("apigateway get-api-key", "--api-key", ref("API_KEY_ID"), "--include-value", "--query", "value", "--output", "text"))
}

func (s *script) targetHealth() {
	s.line(s.aws("elbv2 wait target-in-service", "--target-group-arn", ref("TG_ARN")))
}
