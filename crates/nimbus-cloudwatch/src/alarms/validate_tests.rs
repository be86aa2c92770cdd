//! `PutMetricAlarm`'s checks: each rule with the code and message it answers.

use super::*;

fn base() -> PutMetricAlarmInput {
    PutMetricAlarmInput {
        alarm_name: Some("a".into()),
        metric_name: Some("M".into()),
        namespace: Some("N".into()),
        statistic: Some("Sum".into()),
        period: Some(60),
        evaluation_periods: Some(3),
        threshold: Some(1.0),
        comparison_operator: Some("GreaterThanThreshold".into()),
        ..Default::default()
    }
}

fn err(input: PutMetricAlarmInput) -> (String, String) {
    let e = put_metric_alarm(&input, "us-east-1").unwrap_err();
    (e.query_code().to_owned(), e.message)
}

#[test]
fn a_valid_alarm_and_its_defaults() {
    let (c, tags) = put_metric_alarm(&base(), "us-east-1").unwrap();
    assert!(c.actions_enabled);
    assert_eq!(c.datapoints_to_alarm(), 3);
    assert_eq!(c.treat_missing(), TreatMissingData::Missing);
    assert!(tags.is_empty());
}

#[test]
fn each_rule_answers_its_error() {
    let cases: Vec<(PutMetricAlarmInput, &str, &str)> = vec![
        (
            PutMetricAlarmInput {
                alarm_name: None,
                ..base()
            },
            "ValidationError",
            "1 validation error detected: Value null at 'alarmName' failed to satisfy constraint: Member must not be null",
        ),
        (
            PutMetricAlarmInput {
                datapoints_to_alarm: Some(4),
                ..base()
            },
            "ValidationError",
            "DatapointsToAlarm must be less than or equal to EvaluationPeriods.",
        ),
        (
            PutMetricAlarmInput {
                period: Some(45),
                ..base()
            },
            "ValidationError",
            "Period must be 10, 20, 30 or a multiple of 60",
        ),
        (
            PutMetricAlarmInput {
                evaluation_periods: Some(1441),
                ..base()
            },
            "ValidationError",
            "The evaluation period of an alarm with a period under one hour cannot exceed one day (EvaluationPeriods × Period ≤ 86400 seconds).",
        ),
        (
            PutMetricAlarmInput {
                extended_statistic: Some("p99".into()),
                ..base()
            },
            "InvalidParameterCombination",
            "Statistic and ExtendedStatistic cannot both be specified.",
        ),
        (
            PutMetricAlarmInput {
                evaluation_periods: None,
                ..base()
            },
            "MissingParameter",
            "The parameter EvaluationPeriods is required.",
        ),
        (
            PutMetricAlarmInput {
                alarm_actions: Some(vec!["arn:aws:sns:us-west-2:000000000000:t".into()]),
                ..base()
            },
            "ValidationError",
            "Invalid region us-west-2 specified. Only us-east-1 is supported.",
        ),
        (
            PutMetricAlarmInput {
                ok_actions: Some(vec!["nope".into()]),
                ..base()
            },
            "ValidationError",
            "Invalid arn syntax: nope",
        ),
        (
            PutMetricAlarmInput {
                treat_missing_data: Some("zero".into()),
                ..base()
            },
            "ValidationError",
            "Option zero is not supported. Supported options for parameter TreatMissingData are missing, ignore, breaching and notBreaching.",
        ),
        (
            PutMetricAlarmInput {
                threshold: None,
                ..base()
            },
            "ValidationError",
            "Threshold must be specified for alarms with a static threshold.",
        ),
    ];
    for (input, code, message) in cases {
        assert_eq!(err(input), (code.to_owned(), message.to_owned()));
    }
}

#[test]
fn six_actions_are_too_many() {
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:f".to_owned();
    let (code, message) = err(PutMetricAlarmInput {
        alarm_actions: Some(vec![arn; 6]),
        ..base()
    });
    assert_eq!(code, "ValidationError");
    assert!(
        message.ends_with("Member must have length less than or equal to 5"),
        "{message}"
    );
}

#[test]
fn anomaly_band_operators_are_refused_clearly() {
    let (code, message) = err(PutMetricAlarmInput {
        comparison_operator: Some("LessThanLowerOrGreaterThanUpperThreshold".into()),
        threshold: None,
        threshold_metric_id: Some("ad1".into()),
        ..base()
    });
    assert_eq!(code, "InvalidParameterValue");
    assert!(message.contains("anomaly detection"), "{message}");
}

#[test]
fn metrics_need_exactly_one_returned_query() {
    let q = |id: &str, ret| MetricDataQueryInput {
        id: Some(id.into()),
        metric_stat: Some(MetricStatInput {
            metric: Some(MetricInput {
                namespace: Some("N".into()),
                metric_name: Some("M".into()),
                dimensions: None,
            }),
            period: Some(60),
            stat: Some("Sum".into()),
            unit: None,
        }),
        return_data: Some(ret),
        ..Default::default()
    };
    let math = |queries| PutMetricAlarmInput {
        metric_name: None,
        namespace: None,
        statistic: None,
        period: None,
        metrics: Some(queries),
        ..base()
    };
    assert_eq!(
        err(math(vec![q("a", true), q("b", true)])).1,
        "Exactly one element of the metrics list should return data."
    );
    let (c, _) = put_metric_alarm(&math(vec![q("a", true), q("b", false)]), "us-east-1").unwrap();
    assert_eq!(c.period(), 60);
    assert_eq!(
        err(PutMetricAlarmInput {
            metric_name: Some("M".into()),
            ..math(vec![q("a", true)])
        })
        .0,
        "InvalidParameterCombination"
    );
}

#[test]
fn action_forms() {
    for ok in [
        "arn:aws:lambda:us-east-1:000000000000:function:f",
        "arn:aws:lambda:us-east-1:000000000000:function:f:live",
        "arn:aws:sns:us-east-1:000000000000:topic",
        "arn:aws:automate:us-east-1:ec2:stop",
        "arn:aws:swf:us-east-1:000000000000:action/actions/AWS_EC2.InstanceId.Reboot/1.0",
        "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:1a2b:autoScalingGroupName/g:policyName/p",
        "arn:aws:ssm:us-east-1:000000000000:opsitem:3#CATEGORY=Availability",
    ] {
        assert!(
            super::super::actions::parse_action(ok, "us-east-1").is_ok(),
            "{ok}"
        );
    }
    for bad in [
        "arn:aws:lambda:us-east-1:000000000000:function:",
        "arn:aws:lambda:us-east-1:000000000000:layer:f",
        "arn:aws:automate:us-east-1:ec2:explode",
        "arn:aws:s3:::bucket",
    ] {
        assert!(
            super::super::actions::parse_action(bad, "us-east-1").is_err(),
            "{bad}"
        );
    }
}
