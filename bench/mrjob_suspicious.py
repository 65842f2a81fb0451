# The seed's mrjob job (docs: ../shared/seed), kept as written except for the
# input format: it reads this project's E1 lines (parent comm in field 10, the
# filename in field 23, time in ns in field 1) and counts only the day given
# with --day. Used by bench/analyze.ts as the baseline (mrjob's local runner).
import os
from datetime import datetime, timezone

from mrjob.job import MRJob
from mrjob.step import MRStep

SUSPICIOUS_COMMANDS = {'ncat', 'nc', 'wget', 'curl', 'base64', 'socat'}


class SuspiciousExecutionDetector(MRJob):

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg('--day', default='')

    def steps(self):
        return [
            MRStep(mapper=self.mapper_parse_log,
                   combiner=self.combiner_sum,
                   reducer=self.reducer_aggregate_calls)
        ]

    def mapper_parse_log(self, _, line):
        parts = line.rstrip('\n').split('\t')
        if len(parts) < 30 or parts[0] != 'E1' or parts[-1] != '.':
            self.increment_counter('errors', 'malformed_lines', 1)
            return
        day = datetime.fromtimestamp(int(parts[1][:-9]), timezone.utc).strftime('%Y-%m-%d')
        if self.options.day and day != self.options.day:
            return
        parent_comm = parts[10]
        command = os.path.basename(parts[23])
        if command in SUSPICIOUS_COMMANDS:
            yield (parent_comm, command), 1

    def combiner_sum(self, key, values):
        yield key, sum(values)

    def reducer_aggregate_calls(self, key, values):
        total_count = sum(values)
        if total_count > 10:
            yield key, total_count


if __name__ == '__main__':
    SuspiciousExecutionDetector.run()
