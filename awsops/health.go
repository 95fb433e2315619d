package awsops

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Target health states and reason codes, as Elastic Load Balancing spells them.
const (
	TargetHealthy     = "healthy"
	TargetInitial     = "initial"
	TargetUnhealthy   = "unhealthy"
	TargetUnused      = "unused"
	TargetDraining    = "draining"
	TargetUnavailable = "unavailable"

	ReasonRegistrationInProgress = "Elb.RegistrationInProgress"
	ReasonInitialHealthChecking  = "Elb.InitialHealthChecking"
	ReasonInternalError          = "Elb.InternalError"
	ReasonResponseCodeMismatch   = "Target.ResponseCodeMismatch"
	ReasonTimeout                = "Target.Timeout"
	ReasonFailedHealthChecks     = "Target.FailedHealthChecks"
	ReasonNotRegistered          = "Target.NotRegistered"
	ReasonNotInUse               = "Target.NotInUse"
	ReasonInvalidState           = "Target.InvalidState"
	ReasonIPUnusable             = "Target.IpUnusable"
	ReasonDeregistration         = "Target.DeregistrationInProgress"
	ReasonHealthCheckDisabled    = "Target.HealthCheckDisabled"
)

// AWS's defaults for a TCP target group's HTTP health check.
const (
	DefaultHealthCheckTimeout = 10 // seconds
	DefaultHealthCheckMatcher = "200-399"
)

// registrationAllowance is how long AWS may take to register a target with a network load
// balancer before health checks start: "it can take a few minutes", says AWS.
const registrationAllowance = 5 * time.Minute

// healthCheckMargin is how many health-check intervals the wait adds for slack.
const healthCheckMargin = 2

// Undecided reports whether AWS has yet to decide on a target: it is registering, being
// checked for the first times, or not yet in use by a listener that was just created. A
// stopped instance (Target.InvalidState) is decided: waiting does not start it.
func Undecided(t TargetHealth) bool {
	switch t.State {
	case TargetInitial:
		return true
	case TargetUnused:
		return t.Reason != ReasonInvalidState && t.Reason != ReasonIPUnusable
	}
	return false
}

// TargetHealthBound is how long WaitTargetsHealthy lets targets stay undecided: AWS's
// registration time plus the health checks a verdict takes (interval × the larger threshold)
// and a margin, in this account's time, and within the wait's deadline.
func (a *Account) TargetHealthBound(hc HealthCheck) time.Duration {
	p := a.polling()
	interval := time.Duration(cmp.Or(hc.Interval, 30)) * time.Second
	checks := max(cmp.Or(hc.HealthyThreshold, 5), cmp.Or(hc.UnhealthyThreshold, 2)) + healthCheckMargin
	d := registrationAllowance + interval*time.Duration(checks)
	if p.AWSTime != nil {
		d = p.AWSTime(d)
	}
	// Leave the last poll room to report each target before the wait's own deadline.
	if limit := p.Deadline - p.MaxDelay; limit > 0 && d > limit {
		d = limit
	}
	return d
}

// TargetReport is one target's health with its instance's Name tag.
type TargetReport struct {
	TargetHealth
	Name string
}

// Label names the target as people know it: "orders-api-2 (i-0abc…)", or the id alone.
func (r TargetReport) Label() string {
	if r.Name == "" {
		return r.ID
	}
	return r.Name + " (" + r.ID + ")"
}

// Advice says what a target's state and reason mean for this health check and what to check.
func (r TargetReport) Advice(port int32, hc HealthCheck, waited time.Duration) string {
	if hc.Port != 0 {
		port = hc.Port
	}
	path, codes := cmp.Or(hc.Path, "/"), cmp.Or(hc.Matcher, DefaultHealthCheckMatcher)
	switch r.Reason {
	case ReasonFailedHealthChecks, ReasonTimeout:
		if strings.Contains(r.Description, "codes") {
			return fmt.Sprintf("the service answers GET %s on port %d with a code outside %s; make it answer one of those, or set loadBalancer.healthCheck.matcher", path, port, codes)
		}
		return fmt.Sprintf("a security group or the service does not answer on port %d; check that the instance's security groups admit the load balancer on port %d, that the subnets' network ACLs let it through both ways, and that GET %s answers %s there (vpclink check names the hop)", port, port, path, codes)
	case ReasonResponseCodeMismatch:
		return fmt.Sprintf("the service answers GET %s on port %d with a code outside %s; make it answer one of those, or set loadBalancer.healthCheck.matcher", path, port, codes)
	case ReasonInvalidState:
		return fmt.Sprintf("the instance is not running; start it (aws ec2 start-instances --instance-ids %s) or leave it out of targets.instances", r.ID)
	case ReasonNotInUse:
		return "no listener sends it traffic yet, or the load balancer has no subnet in the instance's Availability Zone; add a subnet of that zone to subnets"
	case ReasonNotRegistered:
		return "it is not registered with the target group; retry or resume to register it again"
	case ReasonIPUnusable:
		return "its address is reserved for use by a load balancer; choose another instance"
	case ReasonDeregistration:
		return "it is being deregistered"
	case ReasonHealthCheckDisabled:
		return "the target group's health checks are disabled"
	case ReasonInternalError:
		return "AWS could not check it (an internal error); retry later"
	case ReasonRegistrationInProgress, ReasonInitialHealthChecking:
		return fmt.Sprintf("AWS was still checking it after %s; it may yet become healthy: retry or resume to wait again", waited.Round(time.Second))
	}
	return ""
}

// Line is the target's one-line report: "name (id): state, reason (AWS's words) — advice".
func (r TargetReport) Line(port int32, hc HealthCheck, waited time.Duration) string {
	s := r.Label() + ": " + r.State
	if r.Reason != "" {
		s += ", " + r.Reason
	}
	if r.Description != "" {
		s += " (" + r.Description + ")"
	}
	if a := r.Advice(port, hc, waited); a != "" {
		s += " — " + a
	}
	return s
}

// TargetHealthError says the targets of a target group did not become healthy.
type TargetHealthError struct {
	TargetGroup string
	Total       int
	Healthy     int
	// Lines reports each target that is not healthy, by name, with its reason and advice.
	Lines []string
}

// Error says how many targets are healthy, then one line per target that is not.
func (e *TargetHealthError) Error() string {
	if e.Total == 0 {
		return fmt.Sprintf("no target is registered with target group %s", e.TargetGroup)
	}
	return fmt.Sprintf("%d of %d targets of %s are healthy:\n  %s", e.Healthy, e.Total, e.TargetGroup, strings.Join(e.Lines, "\n  "))
}

// RecommendActions says how to go on once the targets are fixed.
func (e *TargetHealthError) RecommendActions() string {
	if e.Total == 0 {
		return "retry or resume: the targets are registered again"
	}
	return "fix what each target's line names (the load balancer keeps checking), then retry or resume to wait again"
}

// healthStatus is a wait's live status: each target's label and state.
func healthStatus(reports []TargetReport) string {
	parts := make([]string, 0, len(reports))
	for _, r := range reports {
		parts = append(parts, r.Label()+" "+r.State)
	}
	return strings.Join(parts, ", ")
}

// decideHealth ends a wait: it fails when a target is unhealthy or none is healthy, and
// otherwise succeeds, its status naming the healthy targets and reporting the others.
func decideHealth(tg string, reports []TargetReport, port int32, hc HealthCheck, waited time.Duration) (WaitStatus, error) {
	var healthy, lines []string
	failed := len(reports) == 0
	for _, r := range reports {
		switch {
		case r.State == TargetHealthy:
			healthy = append(healthy, r.Label())
		case strings.HasPrefix(r.State, TargetUnhealthy):
			failed = true
			fallthrough
		default:
			lines = append(lines, r.Line(port, hc, waited))
		}
	}
	if failed || len(healthy) == 0 {
		return WaitStatus{}, &TargetHealthError{TargetGroup: tg, Total: len(reports), Healthy: len(healthy), Lines: lines}
	}
	status := strings.Join(healthy, ", ")
	if len(lines) > 0 {
		status += "; not in service: " + strings.Join(lines, "; ")
	}
	return WaitStatus{Done: true, Status: status}, nil
}

// instanceNames returns the Name tag of each instance target, by id. An instance AWS no
// longer knows is reported by its id alone.
func (a *Account) instanceNames(ctx context.Context, list []TargetHealth) (map[string]string, error) {
	names := map[string]string{}
	var ids []string
	for _, t := range list {
		if strings.HasPrefix(t.ID, "i-") {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) == 0 {
		return names, nil
	}
	pages := ec2.NewDescribeInstancesPaginator(a.EC2, &ec2.DescribeInstancesInput{InstanceIds: ids})
	for pages.HasMorePages() {
		var out *ec2.DescribeInstancesOutput
		err := a.pacer().Call(ctx, "ec2:DescribeInstances", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if IsNotFound(err) {
			return names, nil
		}
		if err != nil {
			return nil, fmt.Errorf("describe instances %s: %w", strings.Join(ids, ", "), err)
		}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				if n := nameTag(i.Tags); n != "" {
					names[aws.ToString(i.InstanceId)] = n
				}
			}
		}
	}
	return names, nil
}
