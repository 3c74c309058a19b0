import { describeAppWiring } from '@linebacker/testing/jest';

describeAppWiring('notifier');
