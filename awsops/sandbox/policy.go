package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// callerARN is the demo account's identity, the one AWS names in a denial.
const callerARN = "arn:aws:iam::" + AccountID + ":user/demo"

// servicePrefix is the IAM service prefix of a sandbox service.
var servicePrefix = map[service]string{svcEC2: "ec2", svcELB: "elasticloadbalancing", svcGateway: "apigateway", svcSTS: "sts"}

// loadPolicy reads the IAM policy file named by VPCLINK_SANDBOX_POLICY.
func loadPolicy(path string) (*awsops.Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("VPCLINK_SANDBOX_POLICY=%q: %w; name an IAM policy file, e.g. the output of vpclink iam-policy", path, err)
	}
	p := &awsops.Policy{}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("VPCLINK_SANDBOX_POLICY=%q is not an IAM policy: %w", path, err)
	}
	if p.Version != "2012-10-17" {
		return nil, fmt.Errorf("VPCLINK_SANDBOX_POLICY=%q: policy Version %q; IAM's current policy language is \"2012-10-17\"", path, p.Version)
	}
	for i, st := range p.Statement {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, fmt.Errorf("VPCLINK_SANDBOX_POLICY=%q: statement %d has Effect %q; use Allow or Deny", path, i+1, st.Effect)
		}
		if (len(st.Action) == 0) == (len(st.NotAction) == 0) {
			return nil, fmt.Errorf("VPCLINK_SANDBOX_POLICY=%q: statement %d needs Action or NotAction (one of them)", path, i+1)
		}
		if (len(st.Resource) == 0) == (len(st.NotResource) == 0) {
			return nil, fmt.Errorf("VPCLINK_SANDBOX_POLICY=%q: statement %d needs Resource or NotResource (one of them)", path, i+1)
		}
	}
	return p, nil
}

// authorize checks op against the policy, as IAM would for the demo user: every grant the
// operation needs must be allowed, and none denied. A request's resource is the pattern the
// list names for it, in this account and region (the sandbox does not resolve each call's
// resource ids). The caller holds mu.
func (s *Sandbox) authorize(svc service, op string) error {
	if s.policy == nil {
		return nil
	}
	grants, _ := awsops.Grants(servicePrefix[svc] + ":" + op)
	for _, g := range grants {
		resource := strings.NewReplacer("{partition}", "aws", "{region}", s.opts.Region, "{account}", AccountID).Replace(g.Resource)
		ctx := map[string]string{}
		if prefix, name, ok := strings.Cut(g.Action, ":"); ok && (name == "AddTags" || name == "CreateTags") {
			ctx[prefix+":CreateAction"] = op
		}
		if allowed, explicit := s.policy.Allows(g.Action, resource, ctx); !allowed {
			return denied(svc, g.Action, resource, explicit)
		}
	}
	return nil
}

// denied is the error each service gives an identity whose policy does not allow action.
func denied(svc service, action, resource string, explicit bool) error {
	why := "because no identity-based policy allows the " + action + " action"
	if explicit {
		why = "with an explicit deny in an identity-based policy"
	}
	msg := "User: " + callerARN + " is not authorized to perform: " + action + " on resource: " + resource + " " + why
	switch svc {
	case svcEC2:
		return apiErr("UnauthorizedOperation", "You are not authorized to perform this operation. "+msg)
	case svcGateway:
		return apiErr("AccessDeniedException", msg)
	}
	return apiErr("AccessDenied", msg)
}
