import { describeAppWiring } from '@linebacker/testing/jest';

describeAppWiring('check-allowed', () => ({ LINEBACKER_JOB_SERVICE_URL: 'http://127.0.0.1:9' }));
