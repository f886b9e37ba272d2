import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { Check, withoutLabel } from './check';

/** Where the rows go: the dashboard, the action every alarm notifies, and the lists of alarms the bundle keeps. */
export interface RowSink {
  readonly dashboard: cloudwatch.Dashboard;
  readonly action: cwActions.SnsAction;
  readonly alarms: cloudwatch.Alarm[];
  readonly critical: cloudwatch.Alarm[];
}

/** A dashboard row (a title, then a graph per check) and the alarms, in `scope`, of the checks that have a threshold. */
export function addRow(sink: RowSink, scope: Construct, title: string, checks: Check[], withAlarms: boolean): cloudwatch.Alarm[] {
  const alarms: cloudwatch.Alarm[] = [];
  const graphs: cloudwatch.IWidget[] = [];
  for (const check of checks) {
    graphs.push(new cloudwatch.GraphWidget({
      title: check.label,
      left: [check.metric, ...(check.extra ?? [])],
      leftAnnotations: check.threshold !== undefined ? [{ value: check.threshold, label: 'Alarm threshold', color: '#d62728' }] : undefined,
      width: 6,
      height: 6,
    }));
    if (!withAlarms || check.threshold === undefined) continue;
    const alarm = new cloudwatch.Alarm(scope, check.id, {
      metric: withoutLabel(check.metric),
      threshold: check.threshold,
      comparisonOperator: check.comparison,
      evaluationPeriods: check.evaluationPeriods ?? 1,
      datapointsToAlarm: check.datapointsToAlarm,
      treatMissingData: check.treatMissingData,
      alarmDescription: check.description && check.description.length > 1024 ? `${check.description.slice(0, 1021)}...` : check.description,
    });
    alarm.addAlarmAction(sink.action);
    alarm.addOkAction(sink.action);
    alarms.push(alarm);
    sink.alarms.push(alarm);
    if (check.critical) sink.critical.push(alarm);
  }
  sink.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `## ${title}`, width: 24, height: 1 }));
  if (alarms.length > 0) {
    graphs.unshift(new cloudwatch.AlarmStatusWidget({ title: `Alarms of ${title}`.slice(0, 200), alarms, width: 6, height: 6 }));
  }
  for (let i = 0; i < graphs.length; i += 4) {
    sink.dashboard.addWidgets(...graphs.slice(i, i + 4));
  }
  return alarms;
}
