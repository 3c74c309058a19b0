import { describeAppWiring } from '@linebacker/testing/jest';

describeAppWiring('receive-status', () => ({ LINEBACKER_JOB_SERVICE_URL: 'http://127.0.0.1:9' }));
