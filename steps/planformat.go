package steps

// PlanFormat is a plan with every field and, in comments, each field's choices. The README's
// "Plans" section and vpclink apply --help show it; a test holds the three together.
const PlanFormat = `name: orders                      # base name for everything created (1-20 chars)
region: us-east-1                 # optional
vpc: prod-vpc                     # id or Name tag
subnets: [prod-private-a, prod-private-b]   # ids or Name tags, one per AZ
loadBalancer: {port: 80, healthCheck: {path: /health, interval: 30, matcher: "200-399"}}  # or {existing: <arn or name>}
targets: {instances: [orders-api-1, orders-api-2], port: 80}
securityGroups: {mode: nlb-ips}   # nlb-ips (the NLB's private IPs) | vpc-cidr
vpcLink: {}                       # or {existing: <id>}
api: {methods: [GET, POST, PATCH, DELETE], authorization: NONE}  # NONE | AWS_IAM | API_KEY; or existing: <rest api id>
stage: {name: dev, logging: "OFF", throttling: {rate: 100, burst: 200}}
tags: {team: payments}
`
