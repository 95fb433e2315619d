package awsops

import (
	"strings"
	"time"
)

// TagRun is the tag key that marks every resource vpclink creates with its run id.
const TagRun = "vpclink:run"

// ResourceName is the name inside an ELB ARN (".../net/<name>/<id>", ".../targetgroup/<name>/<id>").
func ResourceName(arn string) string {
	parts := strings.Split(arn, "/")
	if len(parts) >= 3 {
		return parts[len(parts)-2]
	}
	return arn
}

// LoadBalancerID is the part of a load balancer's ARN after "loadbalancer/", e.g.
// "net/orders-nlb/50dc6c495c0c9188": AWS names the NLB's network interfaces "ELB " + it.
func LoadBalancerID(arn string) (string, bool) {
	_, id, ok := strings.Cut(arn, ":loadbalancer/")
	return id, ok
}

// Identity is the caller: account, ARN and user id.
type Identity struct {
	Account string
	ARN     string
	UserID  string
}

// VPC is a virtual private cloud.
type VPC struct {
	ID        string
	Name      string
	CIDR      string
	IsDefault bool
}

// Subnet is a subnet of a VPC; Public means its route table sends 0.0.0.0/0 to an internet gateway.
type Subnet struct {
	ID      string
	Name    string
	VPCID   string
	AZ      string
	CIDR    string
	FreeIPs int
	Public  bool
}

// Instance is an EC2 instance.
type Instance struct {
	ID             string
	Name           string
	State          string
	PrivateIP      string
	AZ             string
	SubnetID       string
	VPCID          string
	SecurityGroups []string
}

// Rule is one ingress permission of a security group, for one IPv4 range.
type Rule struct {
	GroupID     string `json:"groupId"`
	Protocol    string `json:"protocol"`
	FromPort    int32  `json:"fromPort"`
	ToPort      int32  `json:"toPort"`
	CIDR        string `json:"cidr"`
	Description string `json:"description,omitempty"`
}

// SecurityGroup is an EC2 security group with its IPv4 ingress rules.
type SecurityGroup struct {
	ID      string
	Name    string
	VPCID   string
	Ingress []Rule
}

// LoadBalancer is an Elastic Load Balancing v2 load balancer.
type LoadBalancer struct {
	ARN     string
	Name    string
	DNSName string
	State   string
	Reason  string
	Type    string
	Scheme  string
	VPCID   string
	Subnets []string
	AZs     []string
	Created time.Time
}

// HealthCheck is how a target group checks its targets over HTTP.
type HealthCheck struct {
	Path               string
	Port               int32 // 0 means the traffic port
	Interval           int32 // seconds
	HealthyThreshold   int32
	UnhealthyThreshold int32

	// Timeout is how long a check may take, in seconds; 0 leaves AWS's default, which is
	// 10 seconds for a TCP target group.
	Timeout int32
	// Matcher lists the HTTP codes that pass, e.g. "200-399" or "200,204"; empty leaves
	// AWS's default, 200-399.
	Matcher string
}

// TargetGroup is an ELBv2 target group.
type TargetGroup struct {
	ARN              string
	Name             string
	Protocol         string
	Port             int32
	VPCID            string
	LoadBalancerARNs []string
	// HealthCheck is the target group's health check as AWS reports it: Port 0 is the
	// traffic port, and AWS's defaults fill what the create left out.
	HealthCheck HealthCheck
}

// Listener is an ELBv2 listener.
type Listener struct {
	ARN            string
	Port           int32
	Protocol       string
	TargetGroupARN string
}

// TargetHealth is the health of one registered target.
type TargetHealth struct {
	ID          string
	Port        int32
	State       string
	Reason      string
	Description string
}

// VPCLink is an API Gateway (REST, V1) VPC link.
type VPCLink struct {
	ID            string
	Name          string
	Status        string
	StatusMessage string
	TargetARNs    []string
	Tags          map[string]string
}

// RestAPI is an API Gateway REST API.
type RestAPI struct {
	ID        string
	Name      string
	Endpoint  string
	Tags      map[string]string
	CreatedAt time.Time
}

// Method is one HTTP method of a resource, with its integration.
type Method struct {
	HTTPMethod    string
	Authorization string // NONE, AWS_IAM
	APIKey        bool
	// Port is the load balancer listener the integration calls; 0 means 80.
	Port int32
}
