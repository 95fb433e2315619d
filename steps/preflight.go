package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// CheckStatus is how one preflight check came out.
type CheckStatus int

// The outcomes of a preflight check: a failed check stops the run before anything is created.
const (
	CheckOK CheckStatus = iota
	CheckWarn
	CheckFail
)

var checkStatusNames = []string{"ok", "warn", "fail"}

// String names the outcome.
func (s CheckStatus) String() string {
	if int(s) < len(checkStatusNames) {
		return checkStatusNames[s]
	}
	return fmt.Sprintf("check(%d)", int(s))
}

// MarshalText writes the outcome's name, for JSON.
func (s CheckStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads an outcome's name.
func (s *CheckStatus) UnmarshalText(b []byte) error {
	i := slices.Index(checkStatusNames, string(b))
	if i < 0 {
		return fmt.Errorf("unknown check status %q: want one of %s", b, strings.Join(checkStatusNames, ", "))
	}
	*s = CheckStatus(i)
	return nil
}

// Check is one preflight check: what was checked, how it came out, and how to fix it.
type Check struct {
	Name    string      `json:"name"`
	Status  CheckStatus `json:"status"`
	Message string      `json:"message"`
	Fix     string      `json:"fix,omitempty"`
}

// Checks are a preflight's results, in the order they ran.
type Checks []Check

// Failed returns the checks that stop the run.
func (cs Checks) Failed() Checks {
	var out Checks
	for _, c := range cs {
		if c.Status == CheckFail {
			out = append(out, c)
		}
	}
	return out
}

// Err is a *PreflightError listing the failed checks, or nil when none failed.
func (cs Checks) Err() error {
	if f := cs.Failed(); len(f) > 0 {
		return &PreflightError{Checks: f}
	}
	return nil
}

// PreflightError is a run refused before anything was created.
type PreflightError struct {
	Checks Checks
}

// Error lists what failed, one a line after the first.
func (e *PreflightError) Error() string {
	if len(e.Checks) == 1 {
		return "nothing was created: " + e.Checks[0].Message
	}
	var b strings.Builder
	fmt.Fprintf(&b, "nothing was created: %d checks failed:", len(e.Checks))
	for _, c := range e.Checks {
		b.WriteString("\n  - " + c.Message)
	}
	return b.String()
}

// RecommendActions lists the fixes of the failed checks.
func (e *PreflightError) RecommendActions() string {
	var fixes []string
	for _, c := range e.Checks {
		if c.Fix != "" {
			fixes = append(fixes, c.Fix)
		}
	}
	return strings.Join(fixes, "\n")
}

// Names of the preflight checks.
const (
	CheckOwnership    = "same account and region"
	CheckLoggingRole  = "CloudWatch Logs role"
	CheckVPCLinkQuota = "VPC link quota"
	CheckInstances    = "instances can become healthy"
	CheckPlan         = "plan"
)

// VPCLinkQuota is AWS's default quota of REST API (V1) VPC links per account per region.
// AWS may have raised it for an account: the check's message says where to look.
const VPCLinkQuota = 20

// LoggingRoleName is the role the fix for a missing CloudWatch Logs role creates.
const LoggingRoleName = "APIGatewayCloudWatchLogs"

// Preflight checks, before anything is created, what would make the run fail on AWS: a
// resource of another account or region, logging without the account's CloudWatch Logs role,
// the region's VPC-link quota, instances that cannot become healthy. res is the plan
// resolved (nil when resuming: the checks that need it are skipped); done is what a resumed
// run already holds (nil for a new run). The resolution's warnings come back as warnings.
// An error means a check could not be made at all.
func Preflight(ctx context.Context, acct *awsops.Account, p *Plan, res *Resolution, done *Resources) (Checks, error) {
	if done == nil {
		done = &Resources{}
	}
	checks, err := Ownership(ctx, acct, p)
	if err != nil || len(checks.Failed()) > 0 {
		return checks, err
	}
	for _, check := range []func(context.Context, *awsops.Account, *Plan, *Resolution, *Resources) (Check, error){
		loggingRole, vpcLinkQuota,
	} {
		c, err := check(ctx, acct, p, res, done)
		if err != nil {
			return checks, err
		}
		if c.Name != "" {
			checks = append(checks, c)
		}
	}
	if res != nil {
		inst := instances(p, res)
		checks = append(checks, inst...)
		for _, w := range res.Warnings {
			// A warning that a check turned into a failure is said once, as the failure.
			if !slices.ContainsFunc(inst, func(c Check) bool { return c.Status == CheckFail && strings.HasPrefix(w, c.subject()) }) {
				checks = append(checks, Check{Name: CheckPlan, Status: CheckWarn, Message: w})
			}
		}
	}
	return checks, nil
}

// subject is what a failed instance check names first ("instance web (i-…) is stopped").
func (c Check) subject() string {
	s, _, _ := strings.Cut(c.Message, ":")
	return s
}

// arn is the parts of an ARN that say where a resource lives.
type arn struct {
	service, region, account, resource string
}

func parseARN(s string) (arn, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return arn{}, false
	}
	return arn{service: parts[2], region: parts[3], account: parts[4], resource: parts[5]}, true
}

// Ownership refuses resources the plan names (loadBalancer.existing, vpcLink.existing,
// api.existing) that live in another account or region than the one vpclink works in: AWS
// would answer "not found", or a VPC link could not reach the load balancer. It needs no
// resolution, so it can explain a plan that does not resolve.
func Ownership(ctx context.Context, acct *awsops.Account, p *Plan) (Checks, error) {
	var checks Checks
	var who *awsops.Identity
	identity := func() (awsops.Identity, error) {
		if who == nil {
			id, err := acct.Identity(ctx)
			if err != nil {
				return id, err
			}
			who = &id
		}
		return *who, nil
	}
	for _, named := range []struct {
		field, what, value, kind string
	}{
		{"loadBalancer.existing", "load balancer", p.LoadBalancer.Existing, "loadbalancer/"},
		{"vpcLink.existing", "VPC link", p.VPCLink.Existing, "/vpclinks/"},
		{"api.existing", "REST API", p.API.Existing, "/restapis/"},
	} {
		a, ok := parseARN(named.value)
		if !ok {
			continue
		}
		if a.region != "" && a.region != acct.Region {
			checks = append(checks, Check{Name: CheckOwnership, Status: CheckFail,
				Message: fmt.Sprintf("%s: %s %s is in %s, but vpclink works in %s", named.field, named.what, named.value, a.region, acct.Region),
				Fix:     fmt.Sprintf("run in the %s's region (--region %s), or name a %s in %s", named.what, a.region, named.what, acct.Region)})
			continue
		}
		if a.account != "" {
			id, err := identity()
			if err != nil {
				return checks, err
			}
			if a.account != id.Account {
				checks = append(checks, Check{Name: CheckOwnership, Status: CheckFail,
					Message: fmt.Sprintf("%s: %s %s belongs to account %s, but the credentials are for account %s (%s)", named.field, named.what, named.value, a.account, id.Account, id.ARN),
					Fix:     fmt.Sprintf("use a profile of account %s (--profile), or name a %s of account %s", a.account, named.what, id.Account)})
				continue
			}
		}
		if named.kind != "loadbalancer/" {
			// API Gateway names a VPC link or an API by its id; its ARN is not accepted.
			_, id, _ := strings.Cut(a.resource, named.kind)
			checks = append(checks, Check{Name: CheckOwnership, Status: CheckFail,
				Message: fmt.Sprintf("%s: %s is an ARN, and API Gateway names a %s by its id", named.field, named.value, named.what),
				Fix:     fmt.Sprintf("set %s to the id alone: %s", named.field, cmpOr(id, "the id after "+named.kind))})
		}
	}
	if len(checks) == 0 && (p.LoadBalancer.Existing != "" || p.VPCLink.Existing != "" || p.API.Existing != "") {
		checks = append(checks, Check{Name: CheckOwnership, Status: CheckOK, Message: "the existing resources the plan names are looked up in " + acct.Region})
	}
	return checks, nil
}

// loggingRole checks that a stage's logging can be turned on: API Gateway needs the account's
// CloudWatch Logs role in the region, or UpdateStage fails after everything else is built.
func loggingRole(ctx context.Context, acct *awsops.Account, p *Plan, _ *Resolution, _ *Resources) (Check, error) {
	if p.Stage.Logging == "" || p.Stage.Logging == "OFF" {
		return Check{}, nil
	}
	settings, err := acct.GetGatewayAccount(ctx)
	var perm *awsops.PermissionError
	switch {
	case errors.As(err, &perm):
		return Check{Name: CheckLoggingRole, Status: CheckWarn,
			Message: fmt.Sprintf("could not read API Gateway's account settings (%s): logging %s fails at the last step if the account has no CloudWatch Logs role in %s", perm.Action, p.Stage.Logging, acct.Region),
			Fix:     perm.RecommendActions()}, nil
	case err != nil:
		return Check{}, err
	case settings.CloudWatchRoleARN != "":
		return Check{Name: CheckLoggingRole, Status: CheckOK, Message: "logging " + p.Stage.Logging + " writes through " + settings.CloudWatchRoleARN}, nil
	}
	account := "ACCOUNT_ID"
	if id, err := acct.Identity(ctx); err == nil && id.Account != "" {
		account = id.Account
	}
	return Check{Name: CheckLoggingRole, Status: CheckFail,
		Message: fmt.Sprintf("stage.logging is %s, but API Gateway in %s has no CloudWatch Logs role, so AWS refuses to turn logging on (\"CloudWatch Logs role ARN must be set in account settings to enable logging\")", p.Stage.Logging, acct.Region),
		Fix:     "set stage.logging to OFF (in the wizard: Logging, on the Stage screen), or give API Gateway the role once for the region with these AWS CLI commands:\n" + strings.Join(LoggingRoleCommands(acct.Region, account), "\n")}, nil
}

// LoggingRoleCommands are the AWS CLI commands that create the role API Gateway writes
// CloudWatch Logs with, and set it for the account in region.
func LoggingRoleCommands(region, account string) []string {
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	return []string{
		"aws iam create-role --role-name " + LoggingRoleName + " --assume-role-policy-document '" + trust + "'",
		"aws iam attach-role-policy --role-name " + LoggingRoleName + " --policy-arn arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
		fmt.Sprintf("aws apigateway update-account --region %s --patch-operations op=replace,path=/cloudwatchRoleArn,value=arn:aws:iam::%s:role/%s", region, account, LoggingRoleName),
	}
}

// vpcLinkQuota refuses a plan that needs a new VPC link when the region has as many as AWS's
// default quota allows: CreateVpcLink would fail after the load balancer is built.
func vpcLinkQuota(ctx context.Context, acct *awsops.Account, p *Plan, res *Resolution, done *Resources) (Check, error) {
	if p.VPCLink.Existing != "" || done.VPCLinkID != "" || (res != nil && res.VPCLink != nil) {
		return Check{}, nil
	}
	links, err := acct.ListVPCLinks(ctx)
	var perm *awsops.PermissionError
	switch {
	case errors.As(err, &perm):
		return Check{Name: CheckVPCLinkQuota, Status: CheckWarn,
			Message: fmt.Sprintf("could not count the VPC links in %s (%s)", acct.Region, perm.Action), Fix: perm.RecommendActions()}, nil
	case err != nil:
		return Check{}, err
	}
	lb := done.LoadBalancerARN
	if res != nil && res.LoadBalancer != nil {
		lb = res.LoadBalancer.ARN
	}
	if lb != "" && slices.ContainsFunc(links, func(l awsops.VPCLink) bool { return slices.Contains(l.TargetARNs, lb) }) {
		return Check{}, nil // the load balancer's own link is reused
	}
	if len(links) < VPCLinkQuota {
		return Check{Name: CheckVPCLinkQuota, Status: CheckOK, Message: fmt.Sprintf("%d of %d VPC links used in %s", len(links), VPCLinkQuota, acct.Region)}, nil
	}
	var names []string
	for _, l := range links {
		n := l.ID + " (" + cmpOr(l.Name, "no name") + ", " + l.Status + ")"
		names = append(names, n)
	}
	return Check{Name: CheckVPCLinkQuota, Status: CheckFail,
		Message: fmt.Sprintf("%s already has %d VPC links, AWS's default quota of %d per account and region, and the plan needs a new one: %s", acct.Region, len(links), VPCLinkQuota, strings.Join(names, ", ")),
		Fix: "delete a VPC link no API uses (aws apigateway delete-vpc-link --region " + acct.Region + " --vpc-link-id ID), or reuse one with vpcLink.existing and its load balancer, " +
			"or ask for more in the Service Quotas console (Amazon API Gateway, \"VPC links per account per Region\"); if AWS raised it already, ignore this and create the link by hand, then name it in vpcLink.existing"}, nil
}

// instances turns what guarantees an unhealthy target into failures: AWS registers only
// running instances. An instance in a zone no subnet covers stays a warning of the
// resolution (another instance may serve); none usable at all is already a plan error.
func instances(p *Plan, res *Resolution) Checks {
	if res.LoadBalancer != nil || p.LoadBalancer.Existing != "" {
		return nil
	}
	var checks Checks
	running := 0
	for _, in := range res.Instances {
		switch in.State {
		case "running":
			running++
		case "pending":
			checks = append(checks, Check{Name: CheckInstances, Status: CheckWarn,
				Message: fmt.Sprintf("instance %s is pending: AWS registers it once it runs", label(in.ID, in.Name))})
		default:
			checks = append(checks, Check{Name: CheckInstances, Status: CheckFail,
				Message: fmt.Sprintf("instance %s is %s: AWS registers only running instances with a target group", label(in.ID, in.Name), in.State),
				Fix:     fmt.Sprintf("start it (aws ec2 start-instances --instance-ids %s), or remove it from targets.instances", in.ID)})
		}
	}
	if len(checks.Failed()) == 0 && running > 0 {
		checks = append(checks, Check{Name: CheckInstances, Status: CheckOK, Message: fmt.Sprintf("%d of %d instance(s) running", running, len(res.Instances))})
	}
	return checks
}
